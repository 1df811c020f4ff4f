"""Outstanding principal (docs/domain.md §12), counted as ``app.services.kpi`` says: what is
outstanding and overdue at the end of a day (the overdue rate of
``app.services.kpi_collection``), and the recovery of old arrears.

- **Old-arrears recovery** (清缴率) of P as of D: the arrears of earlier periods are the bills
  of periods before P already overdue when P began; recovered = principal paid on them from
  P's first day to W (the end of P, or D if earlier) ÷ (recovered + their principal still
  outstanding at W). A reversal counts with the payment it undoes: undoing money paid before P
  reopens arrears (still open) without making P's recovery negative.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, null, select, union, union_all
from sqlalchemy.orm import Session, aliased

from app.domain.rates import rate
from app.models import Allocation, Bill, Payment, Waiver
from app.models.types import BillStatus
from app.services.collection_report import end_of_day
from app.services.kpi_periods import (
    HALF_FEN,
    approved_principal,
    money,
    month_end,
    month_of,
    scoped,
)
from app.services.ledger import OPEN_STATUSES

# --- Outstanding principal: overdue rate, old arrears ----------------------------------------


def _outstanding_bills(until: datetime, *where):
    """Per live bill matching ``where``: (id, due_date, principal outstanding at ``until``).

    Only bills that may owe something then are read: those open now, and those paid or
    waived since (a bill settled before ``until`` and untouched after owes nothing then).
    """
    touched_since = union_all(
        select(Allocation.bill_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Payment.paid_at >= until),
        select(Waiver.bill_id).where(approved_principal(), Waiver.decided_at >= until),
    ).subquery("touched_since")
    live = (Bill.status != BillStatus.CANCELLED, *where)
    # a union, not "open OR id IN (…)": PostgreSQL runs that IN once per bill when the list
    # outgrows work_mem
    candidates = union(
        select(Bill.id, Bill.due_date, Bill.total).where(Bill.status.in_(OPEN_STATUSES), *live),
        select(Bill.id, Bill.due_date, Bill.total)
        .join(touched_since, touched_since.c.bill_id == Bill.id)
        .where(*live),
    ).cte("candidates")
    ids = select(candidates.c.id)
    # each candidate's total, less its waivers and allocations found by id (a semi-join: no
    # join on the union, whose size a planner cannot estimate), summed per bill
    parts = union_all(
        select(candidates.c.id, candidates.c.due_date, candidates.c.total.label("amount")),
        select(Waiver.bill_id, null(), -Waiver.amount).where(
            Waiver.bill_id.in_(ids), approved_principal(), Waiver.decided_at < until
        ),
        select(Allocation.bill_id, null(), -Allocation.principal)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Allocation.bill_id.in_(ids), Payment.paid_at < until),
    ).subquery("parts")
    return (
        select(
            parts.c.id,
            func.max(parts.c.due_date).label("due_date"),
            func.sum(parts.c.amount).label("left"),
        )
        .group_by(parts.c.id)
        .subquery("outstanding")
    )


def outstanding(
    session: Session, as_of: date, community_ids: set[int] | None = None
) -> tuple[Decimal, Decimal]:
    """(principal outstanding, of which overdue) at the end of ``as_of``, over the bills whose
    period started by then."""
    bills = _outstanding_bills(
        end_of_day(as_of), Bill.period_start <= as_of, *scoped(Bill.community_id, community_ids)
    )
    owing = bills.c.left > HALF_FEN
    total, overdue = session.execute(
        select(
            func.sum(case((owing, bills.c.left), else_=0)),
            func.sum(case((and_(owing, bills.c.due_date < as_of), bills.c.left), else_=0)),
        )
    ).one()
    return money(total), money(overdue)


@dataclass(frozen=True)
class OldArrearsRecovery:
    period: str
    as_of: date
    recovered: Decimal  # paid in the period on arrears of earlier periods
    still_open: Decimal  # what is left of those arrears at the end of the period (or as_of)
    recovery_rate: Decimal | None


def old_arrears_recovery(
    session: Session, period, as_of: date, community_ids: set[int] | None = None
) -> OldArrearsRecovery:
    """清缴率 of ``period`` as of ``as_of`` (see the module's docstring)."""
    month = month_of(period)
    since = end_of_day(month - timedelta(days=1))
    until = min(end_of_day(month_end(month)), end_of_day(as_of))
    earlier = (
        Bill.period_start < month,
        Bill.due_date < month,
        *scoped(Bill.community_id, community_ids),
    )
    # A reversal counts with the payment it undoes: one of money paid before the period
    # reopens arrears (still open) but recovers nothing negative in it.
    reversed_payment = aliased(Payment)
    paid_on = func.coalesce(reversed_payment.paid_at, Payment.paid_at)
    recovered = session.scalar(
        select(func.sum(Allocation.principal))
        .join(Bill, Bill.id == Allocation.bill_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(reversed_payment, reversed_payment.id == Payment.reverses_id)
        .where(
            Bill.status != BillStatus.CANCELLED,
            *earlier,
            paid_on >= since,
            Payment.paid_at >= since,  # implied (a reversal follows its payment); uses the index
            Payment.paid_at < until,
        )
    )
    bills = _outstanding_bills(until, *earlier)
    still_open = session.scalar(select(func.sum(bills.c.left)).where(bills.c.left > HALF_FEN))
    recovered, still_open = money(recovered), money(still_open)
    return OldArrearsRecovery(
        f"{month:%Y-%m}", as_of, recovered, still_open, rate(recovered, recovered + still_open)
    )
