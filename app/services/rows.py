"""The one door through which a service reads the rows a user asked for
(docs/architecture.md, "One door for rows").

By id: ``find_row`` reads the id as forms and JSON send it (a whole number, or its digits,
within the database's integer), loads the row (locked for the transaction when asked) and
answers it only if the current user may see it: in the user's communities (``in_scope``), or by
the narrower rule a caller names (a collector's own tasks: ``task_in_scope``). A row that does
not exist and one the user may not see answer the same ``NotFoundError``, so an id tells nothing
about other communities.

Lists: ``visible_rows(Model)`` is ``select(Model)`` of the rows in the user's communities
(``visible_community_ids()``), or in the ``community_ids`` a caller was handed (None: every
community); ``visible_only`` restricts a statement already built (columns of a scoped model,
counts) the same way.

A bare ``session.get``, and a ``select(Model)`` or ``session.query(Model)`` of a scoped model,
anywhere else in services and documents carries the reason it needs no door (``# unscoped:
<reason>`` on its line or in the comment lines just above it: work for the system, rows reached
through one already read through the door); tests/test_architecture.py holds them to it.
"""

from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.security.scoping import in_scope, visible_community_ids
from app.services.errors import NotFoundError
from app.services.queries import MAX_ID

T = TypeVar("T")
S = TypeVar("S", bound=Select)


class _UsersCommunities:
    """The default ``community_ids`` of the list door: the current user's."""

    def __repr__(self) -> str:
        return "visible_community_ids()"


USERS_COMMUNITIES = _UsersCommunities()


def row_id(value) -> int | None:
    """``value`` as a row id (an int, not a bool, or its digits), or None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ID else None


def visible_or_none(
    session: Session, model: type[T], pk, *, scope: Callable[[T], bool] = in_scope, lock=False
) -> T | None:
    """The ``model`` row of id ``pk`` if the user may see it (``scope``), else None: for a
    caller that names a refused id as a field of its form rather than as not found."""
    number = row_id(pk)
    row = session.get(model, number, with_for_update=lock or None) if number is not None else None
    return row if row is not None and scope(row) else None


def find_row(
    session: Session,
    model: type[T],
    pk,
    *,
    scope: Callable[[T], bool] = in_scope,
    lock: bool = False,
    **not_found,
) -> T:
    """The ``model`` row of id ``pk`` if the user may see it (``scope``).

    :raises NotFoundError: with ``not_found`` (field=message) when unknown or out of scope.
    """
    row = visible_or_none(session, model, pk, scope=scope, lock=lock)
    if row is None:
        raise NotFoundError(**not_found)
    return row


def visible_only(
    statement: S,
    model,
    community_ids: Collection[int] | None | _UsersCommunities = USERS_COMMUNITIES,
) -> S:
    """``statement`` restricted to the rows of ``model`` (a scoped model) in ``community_ids``:
    by default the current user's (``visible_community_ids()``); None: every community."""
    ids = visible_community_ids() if community_ids is USERS_COMMUNITIES else community_ids
    return statement if ids is None else statement.where(model.in_communities(ids))


def visible_rows(
    model: type[T],
    community_ids: Collection[int] | None | _UsersCommunities = USERS_COMMUNITIES,
) -> Select[T]:
    """``select(model)`` of the rows in ``community_ids`` (as ``visible_only``): the door of a
    list; order it, filter it further, join it as any statement."""
    return visible_only(select(model), model, community_ids)
