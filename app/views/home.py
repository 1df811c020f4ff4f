"""The start page: the user's communities at a glance; a role with a day's work of its own lands
on it instead (``LANDING_PAGES``: the manager's dashboard, the collector's tasks of the day...)."""

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.security.roles import LANDING_PAGES
from app.security.scoping import visible_community_ids
from app.services.queries import community_overview


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = self.appbuilder.sm.current_user
        if user and user.is_authenticated:
            landing = next(
                (LANDING_PAGES[r.name] for r in user.roles if r.name in LANDING_PAGES), None
            )
            if landing is not None:
                return redirect(url_for(landing))
        self.update_redirect()
        overview = (
            community_overview(db.session, visible_community_ids())
            if user and user.is_authenticated
            else []
        )
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, overview=overview
        )
