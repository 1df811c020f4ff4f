"""Cancelling and re-issuing bills (docs/domain.md §3): a bill that was paid or sent is never
edited.

Cancelling moves the money allocated to the bill back to the unit's credit (negative
allocations, never deletions) and keeps the bill, its lines and the reason on record.
Re-issuing cancels, bills the unit again for the same period with today's data (a corrected
area, say) and applies the credit to the new bill, which points back to the one it replaces.
"""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Allocation, Bill
from app.models.types import BillStatus
from app.services.billing import run_billing
from app.services.errors import DomainError, Problems
from app.services.ledger import lock_unit
from app.services.payments import apply_credit
from app.services.rows import find_row


def cancel_bill(session: Session, bill_id, reason: str, actor: str = "system") -> Bill:
    """Cancel a live bill with a reason; its payments become the unit's credit."""
    bill = find_row(session, Bill, bill_id, bill_id=_l("Unknown bill."))
    problems = Problems()
    problems.check(bool((reason or "").strip()), "reason", _l("Give the reason."))
    problems.raise_if_any()
    lock_unit(session, bill.unit_id)
    if bill.status == BillStatus.CANCELLED:
        raise DomainError(bill_id=_l("This bill is already cancelled."))
    now = datetime.now(UTC)
    per_payment = session.execute(
        select(Allocation.payment_id, func.sum(Allocation.principal), func.sum(Allocation.late_fee))
        .where(Allocation.bill_id == bill.id)
        .group_by(Allocation.payment_id)
    ).all()
    session.add_all(
        Allocation(
            payment_id=payment_id,
            bill_id=bill.id,
            principal=-principal,
            late_fee=-fee,
            applied_at=now,
        )
        for payment_id, principal, fee in per_payment
        if principal or fee
    )
    for line in bill.lines:
        line.cancelled = True
    bill.status = BillStatus.CANCELLED
    bill.paid = bill.balance = bill.total * 0
    bill.cancelled_at = now
    bill.cancel_reason = reason.strip()
    session.flush()
    return bill


def reissue_bill(session: Session, bill_id, reason: str, actor: str = "system") -> Bill:
    """Cancel a bill and bill its unit again for the same period; returns the new bill."""
    old = cancel_bill(session, bill_id, reason, actor)
    run_billing(session, old.period_start, actor=actor, unit_id=old.unit_id)
    new = session.scalar(
        # unscoped: the new bill of the unit whose bill was found through the door
        select(Bill).where(
            Bill.unit_id == old.unit_id,
            Bill.period_start == old.period_start,
            Bill.status != BillStatus.CANCELLED,
        )
    )
    if new is None:
        raise DomainError(bill_id=_l("The unit is not billable for this period any more."))
    new.replaces_id = old.id
    apply_credit(session, old.unit_id)
    session.flush()
    return new
