"""The one door through which a service reads a row a user asked for by its id
(docs/architecture.md, "One door for rows").

``find_row`` reads the id as forms and JSON send it (a whole number, or its digits, within the
database's integer), loads the row (locked for the transaction when asked) and answers it only
if the current user may see it: in the user's communities (``in_scope``), or by the narrower
rule a caller names (a collector's own tasks: ``task_in_scope``). A row that does not exist and
one the user may not see answer the same ``NotFoundError``, so an id tells nothing about other
communities. A bare ``session.get`` anywhere else in services and documents carries the reason
it needs no door (``# unscoped: …``: work for the system, a row reached through one already
checked); tests/test_architecture.py holds them to it.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from app.security.scoping import in_scope
from app.services.errors import NotFoundError
from app.services.queries import MAX_ID

T = TypeVar("T")


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
