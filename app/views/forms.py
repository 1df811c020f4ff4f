"""Form pieces every screen shares: the communities a user may choose, the note of a decision."""

from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.models import Community
from app.security.scoping import visible_community_ids


def my_communities() -> list[tuple[str, str]]:
    """The choices of a community select: the user's communities, by code."""
    ids = visible_community_ids()
    query = select(Community).order_by(Community.code)
    if ids is not None:
        query = query.where(Community.id.in_(ids))
    return [(str(c.id), f"{c.code} {c.name}") for c in db.session.scalars(query)]


class DecisionForm(DynamicForm):
    """An approval or a refusal, with an optional note."""

    reason = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
