"""The current user and community scoping: which communities (and, for collectors and finance,
which of their own tasks and rectifications) the user may see, as checks on one row and as the
Flask-AppBuilder base filters of the screens and the API."""

from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.security.roles import (
    ALL_COMMUNITIES,
    ALL_RECTIFICATIONS,
    ALL_TASKS,
    RECTIFICATIONS,
    SEE_ALL,
    TASKS,
)


def current_user():
    """The signed-in user of this request, or None outside requests and for anonymous users."""
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    return user if user is not None and user.is_authenticated else None


def has_permission(permission: str, view: str) -> bool:
    """Whether the current user holds ``permission`` on ``view`` (False outside requests)."""
    if current_user() is None:
        return False
    return current_app.appbuilder.sm.has_access(permission, view)


def acting_as_system() -> bool:
    """True outside dispatched requests (CLI, jobs, direct service calls): FAB sets ``g.user``
    on every request it dispatches, signed in or not."""
    return not has_request_context() or not hasattr(g, "user")


def visible_community_ids() -> set[int] | None:
    """The communities the current user may see, or None for "all of them".

    Outside a request (CLI, jobs) everything is visible: those edges act as the system.
    """
    from app.extensions import db
    from app.models import StaffAssignment

    if acting_as_system():
        return None
    user = current_user()
    if user is None:
        return set()
    if has_permission(SEE_ALL, ALL_COMMUNITIES):
        return None
    return set(
        db.session.scalars(
            select(StaffAssignment.community_id).where(StaffAssignment.user_id == user.id)
        )
    )


def in_scope(item) -> bool:
    """Whether ``item`` (a scoped model instance) lies in the current user's communities."""
    ids = visible_community_ids()
    return ids is None or item.scope_community_id in ids


class CommunityScope(BaseFilter):
    """Base filter restricting a query to the current user's communities."""

    name = _l("In my communities")

    def apply(self, query, value):
        ids = visible_community_ids()
        if ids is None:
            return query
        return query.filter(self.model.in_communities(ids))


SCOPED = [["id", CommunityScope, None]]


class StatementEntryScope(BaseFilter):
    """Statement entries of the user's communities, and those whose community is unknown
    (money nobody has placed yet is every cashier's to sort out)."""

    name = _l("In my communities")

    def apply(self, query, value):
        ids = visible_community_ids()
        if ids is None:
            return query
        column = self.model.community_id
        return query.filter(or_(column.is_(None), column.in_(ids)))


class StatementImportScope(BaseFilter):
    """Statement imports the user made, or with an entry the user may see."""

    name = _l("In my communities")

    def apply(self, query, value):
        from app.models import StatementEntry

        ids = visible_community_ids()
        if ids is None:
            return query
        user = current_user()
        visible = select(StatementEntry.import_id).where(
            or_(StatementEntry.community_id.is_(None), StatementEntry.community_id.in_(ids))
        )
        mine = self.model.imported_by == (user.username if user is not None else None)
        return query.filter(or_(mine, self.model.id.in_(visible)))


def sees_only_own_tasks() -> bool:
    """A collector sees only the collection tasks assigned to it (the system sees all)."""
    return not acting_as_system() and not has_permission(ALL_TASKS, TASKS)


def sees_only_own_rectifications() -> bool:
    """Finance and collectors see only the rectifications they are responsible for."""
    return not acting_as_system() and not has_permission(ALL_RECTIFICATIONS, RECTIFICATIONS)


def _own_in_scope(item, only_own, column: str) -> bool:
    if not in_scope(item):
        return False
    user = current_user()
    return not only_own() or (user is not None and getattr(item, column) == user.id)


def task_in_scope(task) -> bool:
    """Whether the current user may see collection ``task``."""
    return _own_in_scope(task, sees_only_own_tasks, "assignee_id")


def rectification_in_scope(rectification) -> bool:
    """Whether the current user may see ``rectification``."""
    return _own_in_scope(rectification, sees_only_own_rectifications, "responsible_id")


class OwnRowsScope(CommunityScope):
    """Rows of the user's communities; only its own (``column`` is its id) when ``only_own``."""

    column = ""

    @staticmethod
    def only_own() -> bool:
        raise NotImplementedError

    def apply(self, query, value):
        query = super().apply(query, value)
        if self.only_own():
            user = current_user()
            query = query.filter(getattr(self.model, self.column) == (user.id if user else None))
        return query


class TaskScope(OwnRowsScope):
    """Collection tasks of the user's communities; only its own for a collector."""

    column = "assignee_id"
    only_own = staticmethod(sees_only_own_tasks)


class RectificationScope(OwnRowsScope):
    """Rectifications of the user's communities; only its own for finance and collectors."""

    column = "responsible_id"
    only_own = staticmethod(sees_only_own_rectifications)


TASKS_SCOPED = [["id", TaskScope, None]]
RECTIFICATIONS_SCOPED = [["id", RectificationScope, None]]
