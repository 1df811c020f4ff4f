"""Promises to pay (docs/domain.md §6, §7): a promise recorded on a collection contact holds the
unit's dunning back until the promised day; escalation resumes the day after, as the levels say.

The promise is kept where it was recorded (the ``ContactAttempt``), so it holds whether or not
the unit has a dunning case yet:

- with an open case, ``pause_for_promise`` sets the ``promise`` pause on it at once (never
  replacing an installment or complaint pause: ``hold_for_promise`` restores it when a
  complaint pause lifts);
- without one, the scan reads ``promised_units``: a unit with a promise whose day is not past
  gets no case and no action until that day has passed (the scan that then opens the case
  escalates as for a broken promise).

A unit's promise is its latest promise whose day is not past (a promise of any campaign).
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.collection import Outcome
from app.domain.dunning import PauseKind
from app.models import CollectionTask, ContactAttempt, DunningCase


def _live_promises(as_of: date):
    """The promises to pay whose day is not past on ``as_of``, with their unit."""
    return (
        # unscoped: promises for the dunning scan, or of the unit of a case its caller holds
        select(ContactAttempt)
        .join(CollectionTask, CollectionTask.id == ContactAttempt.task_id)
        .where(ContactAttempt.outcome == Outcome.PROMISED, ContactAttempt.promised_date >= as_of)
    )


def promised_units(session: Session, as_of: date) -> dict[int, date]:
    """Units with a promise to pay whose day is not past on ``as_of``: the latest such day."""
    query = (
        _live_promises(as_of)
        .with_only_columns(CollectionTask.unit_id, func.max(ContactAttempt.promised_date))
        .group_by(CollectionTask.unit_id)
    )
    return dict(session.execute(query).all())


def _hold(case: DunningCase, promise: ContactAttempt) -> None:
    day = promise.promised_date
    assert day is not None  # a promise has its day (ck_contact_attempt_promise)
    case.pause_kind = PauseKind.PROMISE
    case.paused_until = day
    case.pause_note = f"¥{promise.promised_amount} / {day.isoformat()} (#{promise.task.id})"


def pause_for_promise(session: Session, attempt: ContactAttempt) -> None:
    """Hold the unit's open dunning case until the promised day, unless an installment or a
    complaint holds it (the promise is then restored when that pause lifts). Without an open
    case the promise holds through ``promised_units``."""
    case = session.scalar(
        # unscoped: the open case of the unit of a contact attempt being recorded
        select(DunningCase).where(
            DunningCase.unit_id == attempt.task.unit_id, DunningCase.closed_on.is_(None)
        )
    )
    if case is not None and case.pause_kind not in (PauseKind.INSTALLMENT, PauseKind.COMPLAINT):
        _hold(case, attempt)


def hold_for_promise(session: Session, case: DunningCase, today: date) -> None:
    """Pause ``case`` for the unit's latest promise to pay whose day is not past, if any (when
    another pause lifts)."""
    promise = session.scalar(
        _live_promises(today)
        .where(CollectionTask.unit_id == case.unit_id)
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc())
        .limit(1)
    )
    if promise is not None:
        _hold(case, promise)
