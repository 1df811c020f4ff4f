"""The start page: the user's communities at a glance and where to go next."""

from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.security import visible_community_ids
from app.services.queries import community_overview


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        user = self.appbuilder.sm.current_user
        overview = (
            community_overview(db.session, visible_community_ids())
            if user and user.is_authenticated
            else []
        )
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, overview=overview
        )
