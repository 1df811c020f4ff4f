"""The ledger: what each bill owes and holds, a unit's credit, and how money is booked to bills
(docs/domain.md §4–§5).

A bill's paid, balance and status are a cache of its allocations (``refresh_bill``); its late
fee accrues on the principal left unpaid (``accrued_late_fee``) and is posted when a payment
settles the principal. ``allocate_payment`` books money to a unit's open bills, oldest due
first, principal before late fee; what is left is the unit's credit (``unit_credit``). Every
change to a unit's money locks the unit's row first (``lock_unit``), so two cashiers paying the
same unit at once are serialized. ``parse_amount`` reads an amount of money as every form and
API takes it.
"""

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.allocation import OpenBill, allocate
from app.domain.checks import decimal_places
from app.domain.latefees import LateFeeTerms, late_fee
from app.domain.money import ZERO
from app.domain.windows import read_amount
from app.models import Allocation, Bill, BillLine, Payment, Tariff, Unit
from app.models.types import BillKind, BillStatus, FeeKind
from app.services.errors import Problems
from app.services.settings import get_setting

OPEN_STATUSES = (BillStatus.OPEN, BillStatus.PARTIAL)


def parse_amount(problems: Problems, field: str, value) -> Decimal | None:
    """A positive amount in yuan with at most two decimals, or None after a message. Written as
    ``app.domain.windows.read_amount`` reads it (full-width digits too, no exponent)."""
    if value is None or value == "":
        problems.add(field, _l("This field is required."))
        return None
    amount = read_amount(value)
    if amount is None:
        problems.add(field, _l("Not a number: write digits with an optional point, e.g. 120.50."))
    elif decimal_places(amount) > 2:
        problems.add(field, _l("At most %(n)d decimal places.", n=2))
    elif amount <= 0:
        problems.add(field, _l("The amount must be above zero."))
    elif amount >= Decimal("1e12"):
        problems.add(field, _l("The amount is too large."))
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def lock_unit(session: Session, unit_id) -> Unit | None:
    """The unit, with its row locked for the rest of the transaction (PostgreSQL)."""
    # unscoped: locks a unit its caller found through the door, or the system's
    return session.scalar(select(Unit).where(Unit.id == unit_id).with_for_update())


def late_fee_terms(session: Session, bill: Bill) -> LateFeeTerms:
    """Late-fee terms of a bill: those of the tariff of its first line. An opening balance
    (moving in, docs/domain.md §14) bears none unless the setting ``opening_late_fees`` is
    ``1``: then its line's tariff, or else the community's property-service tariff."""
    lines = (
        # unscoped: the tariff of a bill its caller holds
        select(Tariff)
        .join(BillLine, BillLine.tariff_id == Tariff.id)
        .where(BillLine.bill_id == bill.id)
        .order_by(BillLine.id)
    )
    tariff = session.scalar(lines.limit(1))
    if bill.kind == BillKind.OPENING:
        if get_setting(session, "opening_late_fees") != "1":
            return LateFeeTerms(daily_rate=ZERO)
        tariff = tariff or session.scalar(
            # unscoped: as above, the community of that bill
            select(Tariff)
            .where(Tariff.community_id == bill.community_id, Tariff.fee_kind == FeeKind.PROPERTY)
            .order_by(Tariff.valid_from <= bill.due_date, Tariff.valid_from.desc())
            .limit(1)
        )
    if tariff is None:
        return LateFeeTerms(daily_rate=ZERO)
    return LateFeeTerms(
        tariff.late_fee_daily_rate, tariff.late_fee_grace_days, tariff.late_fee_cap_ratio
    )


def allocated_to(session: Session, bill: Bill) -> tuple[Decimal, Decimal]:
    """Principal and late fee allocated to ``bill`` so far (reversals included)."""
    principal, fee = session.execute(
        select(
            func.coalesce(func.sum(Allocation.principal), 0),
            func.coalesce(func.sum(Allocation.late_fee), 0),
        ).where(Allocation.bill_id == bill.id)
    ).one()
    return Decimal(principal), Decimal(fee)


def principal_of(bill: Bill) -> Decimal:
    return bill.total - bill.waived


def accrued_late_fee(session: Session, bill: Bill, on) -> Decimal:
    """The late fee of ``bill`` as of the business date ``on`` (docs/domain.md §5)."""
    if on <= bill.due_date:  # nothing accrues before the day after the due date (grace >= 0)
        return ZERO
    history = session.execute(
        select(Payment.paid_at, Allocation.principal)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Allocation.bill_id == bill.id)
    ).all()
    payments = [(business_date(paid_at), amount) for paid_at, amount in history]
    return late_fee(principal_of(bill), bill.due_date, on, late_fee_terms(session, bill), payments)


def refresh_bill(session: Session, bill: Bill) -> None:
    """Recompute a bill's cached paid/balance/status from its allocations. A cancelled bill
    stays cancelled, owing and holding nothing (its allocations net to zero)."""
    if bill.status == BillStatus.CANCELLED:
        return
    principal, fee = allocated_to(session, bill)
    if principal < principal_of(bill):
        # unsettled principal: posted is what was paid or waived of the fee, or what the last
        # month close posted, whichever is more
        bill.late_fee = max(fee + bill.late_fee_waived, bill.late_fee_closed, ZERO)
    bill.paid = principal + fee
    bill.balance = bill.total + bill.late_fee - bill.waived - bill.late_fee_waived - bill.paid
    if bill.balance <= 0 and bill.paid > 0:
        bill.status = BillStatus.PAID
    elif bill.balance <= 0:
        bill.status = BillStatus.WAIVED if bill.waived > 0 else BillStatus.PAID
    else:
        bill.status = BillStatus.PARTIAL if bill.paid > 0 else BillStatus.OPEN


def unit_credit(session: Session, unit_id: int) -> Decimal:
    """Money paid for the unit and not allocated to any bill (reversed payments excluded)."""
    reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
    paid = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
    ).scalar_one()
    allocated = session.execute(
        select(func.coalesce(func.sum(Allocation.principal + Allocation.late_fee), 0))
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
    ).scalar_one()
    return Decimal(paid) - Decimal(allocated)


def allocate_payment(
    session: Session, payment: Payment, amount: Decimal, on, at: datetime, held_since=None
) -> list[Allocation]:
    """Allocate ``amount`` of ``payment`` to the unit's open bills; post settled late fees.

    Late fees are reckoned as of the business date ``on``; for credit held since a date, as of
    the later of that date and each bill's period start (money already held is never late).
    """
    bills = session.scalars(
        # unscoped: the open bills of the unit of a payment its caller holds
        select(Bill)
        .where(Bill.unit_id == payment.unit_id, Bill.status.in_(OPEN_STATUSES))
        .order_by(Bill.due_date, Bill.id)
    ).all()
    dues, accrued = [], {}
    for bill in bills:
        principal, fee = allocated_to(session, bill)
        outstanding = principal_of(bill) - principal
        if outstanding > 0:
            # never below what was already posted (payments may arrive back-dated)
            as_of = max(held_since, bill.period_start) if held_since else on
            accrued[bill.id] = max(accrued_late_fee(session, bill, as_of), bill.late_fee)
            fee_due = max(accrued[bill.id] - fee - bill.late_fee_waived, ZERO)
            dues.append(OpenBill(bill.id, bill.due_date, outstanding, fee_due))
        elif bill.late_fee - fee - bill.late_fee_waived > 0:
            dues.append(
                OpenBill(bill.id, bill.due_date, ZERO, bill.late_fee - fee - bill.late_fee_waived)
            )
    if not dues:
        return []
    shares, _credit = allocate(amount, dues)
    by_id = {bill.id: bill for bill in bills}
    rows = []
    for share in shares:
        bill = by_id[share.bill_id]
        due = next(d for d in dues if d.bill_id == bill.id)
        if share.principal == due.principal and bill.id in accrued:
            bill.late_fee = accrued[bill.id]  # the principal is settled: post the late fee
        rows.append(
            Allocation(
                payment=payment,
                bill=bill,
                principal=share.principal,
                late_fee=share.late_fee,
                applied_at=at,
            )
        )
    session.add_all(rows)
    session.flush()
    for bill in {row.bill for row in rows}:
        refresh_bill(session, bill)
    return rows
