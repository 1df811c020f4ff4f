"""The month close of late fees (docs/domain.md §5): while a bill's principal is unpaid, the late
fee accrued to the last day of a month is posted to the account once that month is over.

Posting sets the bill's ``late_fee_closed`` (and the day it is reckoned to) and refreshes the
bill, whose ``late_fee`` and ``balance`` then include it: arrears, dunning and statements see
the money owed. A later payment settles the fee accrued to its own day, never less than what
was posted. Each unit is locked as a payment locks it, so a cashier paying the unit at the
same moment waits. Closing a month again, or an earlier month after a later one, changes
nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.money import ZERO
from app.domain.periods import period_end
from app.models import Bill
from app.services.errors import Problems
from app.services.ledger import (
    OPEN_STATUSES,
    accrued_late_fee,
    allocated_to,
    lock_unit,
    principal_of,
    refresh_bill,
)


@dataclass(frozen=True)
class MonthClose:
    month: date  # its first day
    as_of: date  # its last day: the late fees are reckoned to it
    bills: int  # bills given a larger month-close late fee
    posted: Decimal  # how much their balances grew, in all


def _closable_month(month, today: date | None = None) -> date:
    """The first day of ``month`` (a date or ``YYYY-MM``), refused unless the month is over."""
    problems = Problems()
    first = problems.month("month", month)
    if first is not None:
        problems.check(
            period_end(first, 1) < (today or business_date()),
            "month",
            _l("The month is not over yet."),
        )
    problems.raise_if_any()
    assert first is not None  # else raise_if_any raised
    return first


def close_month(
    session: Session, month, community_id: int | None = None, today: date | None = None
) -> MonthClose:
    """Post the late fees of ``month`` (its bills due before its last day, principal unpaid)."""
    first = _closable_month(month, today)
    as_of = period_end(first, 1)
    owing = (Bill.status.in_(OPEN_STATUSES), Bill.due_date < as_of)
    units = select(Bill.unit_id).where(*owing).distinct().order_by(Bill.unit_id)
    if community_id is not None:
        units = units.where(Bill.community_id == community_id)
    bills, posted = 0, ZERO
    for unit_id in session.scalars(units).all():
        lock_unit(session, unit_id)
        for bill in session.scalars(
            # unscoped: the month close (CLI, job), done for the system
            select(Bill)
            .where(Bill.unit_id == unit_id, *owing)
            .order_by(Bill.due_date, Bill.id)
            .execution_options(populate_existing=True)  # as the lock let us see it
        ):
            before = bill.late_fee
            if _post(session, bill, as_of):
                bills += 1
                posted += bill.late_fee - before
    session.flush()
    return MonthClose(first, as_of, bills, posted)


def _post(session: Session, bill: Bill, as_of: date) -> bool:
    """Post the bill's late fee accrued to ``as_of`` if its principal is unpaid and the fee
    grew since the last close; whether it did."""
    principal_paid, _fee_paid = allocated_to(session, bill)
    if principal_paid >= principal_of(bill):
        return False
    fee = accrued_late_fee(session, bill, as_of)
    if fee <= bill.late_fee_closed:
        return False
    bill.late_fee_closed, bill.late_fee_closed_on = fee, as_of
    refresh_bill(session, bill)
    return True
