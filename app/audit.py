"""The audit trail: every create, update and delete of a mapped row, plus reveals and exports.

A listener on every ORM ``Session`` writes one ``audit_log`` row per changed object in the same
flush, so the trail commits or rolls back with the change itself. Who acted comes from the
request's user, or from ``acting_as()`` in the CLI and jobs.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.domain.masking import mask_changes
from app.models import AuditLog
from app.security.personal import can_view_personal_data
from app.security.scoping import current_user

# Columns whose changes are noise (login counters) or secrets (password hashes).
IGNORED_COLUMNS = frozenset(
    {"password", "last_login", "login_count", "fail_login_count", "changed_on", "created_on"}
)

_system_actor: ContextVar[str] = ContextVar("wuye_actor", default="system")


@contextmanager
def acting_as(username: str) -> Iterator[None]:
    """Attribute changes made outside a request (CLI, jobs) to ``username``."""
    token = _system_actor.set(username)
    try:
        yield
    finally:
        _system_actor.reset(token)


def actor() -> tuple[int | None, str]:
    user = current_user()
    if user is not None:
        return user.id, user.username
    return None, _system_actor.get()


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _columns(obj) -> dict:
    state = inspect(obj)
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in IGNORED_COLUMNS
    }


def _updates(obj) -> dict | None:
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_COLUMNS:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = _plain(hist.deleted[0]) if hist.deleted else None
            after[attr.key] = _plain(hist.added[0]) if hist.added else None
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE":
            continue
        hist = state.attrs[rel.key].history
        if hist.has_changes():
            before[rel.key] = _key(hist.deleted[0] if hist.deleted else None)
            after[rel.key] = _key(hist.added[0] if hist.added else None)
    return {"before": before, "after": after} if after or before else None


def _key(obj):
    """The primary key of a related row, also of one inserted by the flush being audited (not
    yet given its identity)."""
    return None if obj is None else inspect(obj).mapper.primary_key_from_instance(obj)[0]


def _row_id(obj) -> str | None:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(k) for k in key) if any(k is not None for k in key) else None


def _entry(action: str, table: str, row_id: str | None, changes: dict | None) -> dict:
    user_id, username = actor()
    return {
        "at": datetime.now(UTC),
        "user_id": user_id,
        "username": username,
        "action": action,
        "table_name": table,
        "row_id": row_id,
        "changes": changes,
    }


def _after_flush(session: Session, _flush_context) -> None:
    rows = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, AuditLog) or not hasattr(obj, "__tablename__"):
                continue
            if action == "create":
                changes = {"after": _columns(obj)}
            elif action == "delete":
                changes = {"before": _columns(obj)}
            else:
                changes = _updates(obj)
                if changes is None:
                    continue
            rows.append(_entry(action, obj.__tablename__, _row_id(obj), changes))
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def record(session: Session, action: str, table: str, row_id=None, details=None) -> None:
    """Record an event that changes no row: a reveal of personal data, an export."""
    session.add(AuditLog(**_entry(action, table, None if row_id is None else str(row_id), details)))


if not event.contains(Session, "after_flush", _after_flush):
    event.listen(Session, "after_flush", _after_flush)


def masked_changes(changes: dict | None) -> dict | None:
    """An entry's ``changes`` with personal fields masked unless the current user may see them."""
    return changes if can_view_personal_data() else mask_changes(changes)
