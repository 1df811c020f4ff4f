"""The complaint pause of dunning (docs/domain.md §9, §6).

Reason for non-payment: while a unit has an open (not closed) complaint marked as the reason,
its open dunning case carries the ``complaint`` pause (no escalation beyond level 1,
docs/domain.md §6); the pause is lifted when no such complaint remains (unmarked or closed), and
a promise to pay made meanwhile then holds the case until its day. An installment pause is never
replaced; ``renew_pauses`` (daily) sets the pause on cases opened or freed since.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.complaints import Status
from app.domain.dunning import PauseKind
from app.models import Complaint, DunningCase
from app.services.promises import hold_for_promise

# --- Dunning pause ---------------------------------------------------------------------------


def _reason_complaint(session: Session, unit_id: int) -> Complaint | None:
    """The unit's oldest open complaint marked as the reason for not paying."""
    return session.scalar(
        # unscoped: the unit of a complaint found through the door, or the daily renewal
        select(Complaint)
        .where(
            Complaint.unit_id == unit_id,
            Complaint.nonpayment_reason.is_(True),
            Complaint.status != Status.CLOSED,
        )
        .order_by(Complaint.received_at, Complaint.id)
        .limit(1)
    )


def sync_complaint_pause(session: Session, unit_id: int, today: date | None = None) -> None:
    """Set or lift the complaint pause of the unit's open dunning case (never replacing an
    installment pause, never lifting another slice's)."""
    case = session.scalar(
        # unscoped: the unit of a complaint found through the door, or the daily renewal
        select(DunningCase).where(DunningCase.unit_id == unit_id, DunningCase.closed_on.is_(None))
    )
    if case is None or case.pause_kind == PauseKind.INSTALLMENT:
        return
    reason = _reason_complaint(session, unit_id)
    if reason is not None:
        case.pause_kind = PauseKind.COMPLAINT
        case.paused_until = None  # until the complaint closes or is unmarked
        case.pause_note = f"#{reason.id} {reason.category}"
    elif case.pause_kind == PauseKind.COMPLAINT:
        case.pause_kind = case.paused_until = None
        case.pause_note = ""
        hold_for_promise(session, case, today or business_date())  # a promise made meanwhile
    session.flush()


def units_complaining(session: Session) -> set[int]:
    """Units with an open complaint marked as the reason for not paying."""
    return set(
        session.scalars(
            select(Complaint.unit_id).where(
                Complaint.nonpayment_reason.is_(True), Complaint.status != Status.CLOSED
            )
        )
    )


def renew_pauses(session: Session) -> int:
    """Set or lift the complaint pause on every open dunning case it concerns (cases opened, or
    freed from an installment pause, since the mark); returns the units looked at."""
    units = units_complaining(session) | set(
        session.scalars(
            select(DunningCase.unit_id).where(
                DunningCase.closed_on.is_(None), DunningCase.pause_kind == PauseKind.COMPLAINT
            )
        )
    )
    for unit_id in sorted(units):
        sync_complaint_pause(session, unit_id)
    return len(units)
