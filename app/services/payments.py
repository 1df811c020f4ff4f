"""Recording and reversing payments (docs/domain.md §4–§5).

``record_payment`` allocates a payment to the unit's open bills (oldest due first, principal
before late fee), posts the late fee of every bill whose principal it settles, keeps the rest as
credit and issues a receipt with the next gapless number. ``reverse_payment`` undoes one with a
reversal entry. Both lock the unit's row first, so two cashiers paying the same unit at once are
serialized and never allocate the same balance twice.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain.allocation import OpenBill, allocate
from app.domain.checks import decimal_places
from app.domain.latefees import LateFeeTerms, late_fee
from app.domain.money import ZERO, format_money
from app.domain.windows import latest_payment_day, read_amount, read_instant
from app.models import (
    Allocation,
    Bill,
    BillLine,
    Ownership,
    Payment,
    Receipt,
    ReceiptCounter,
    Tariff,
    Unit,
)
from app.models.types import BillStatus, PaymentMethod
from app.security import in_scope
from app.services.errors import ConflictError, DomainError, NotFoundError, Problems
from app.services.queries import is_id
from app.services.settings import get_setting

METHODS = tuple(m.value for m in PaymentMethod)
OPEN_STATUSES = (BillStatus.OPEN, BillStatus.PARTIAL)


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    receipt_number: str | None
    allocations: list[tuple[int, Decimal]]  # (bill id, amount)
    credit: Decimal  # the unit's credit after the payment


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
    return session.scalar(select(Unit).where(Unit.id == unit_id).with_for_update())


def _terms(session: Session, bill: Bill) -> LateFeeTerms:
    """Late-fee terms of a bill: those of the tariff of its first line."""
    tariff = session.scalar(
        select(Tariff)
        .join(BillLine, BillLine.tariff_id == Tariff.id)
        .where(BillLine.bill_id == bill.id)
        .order_by(BillLine.id)
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
    history = session.execute(
        select(Payment.paid_at, Allocation.principal)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Allocation.bill_id == bill.id)
    ).all()
    payments = [(business_date(paid_at), amount) for paid_at, amount in history]
    return late_fee(principal_of(bill), bill.due_date, on, _terms(session, bill), payments)


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
    paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
    )
    allocated = session.scalar(
        select(func.coalesce(func.sum(Allocation.principal + Allocation.late_fee), 0))
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
    )
    return Decimal(paid) - Decimal(allocated)


def _apply(
    session: Session, payment: Payment, amount: Decimal, on, at: datetime, held_since=None
) -> list[Allocation]:
    """Allocate ``amount`` of ``payment`` to the unit's open bills; post settled late fees.

    Late fees are reckoned as of the business date ``on``; for credit held since a date, as of
    the later of that date and each bill's period start (money already held is never late).
    """
    bills = session.scalars(
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


def _next_receipt_seq(session: Session, community_id: int, year: int) -> int:
    def counter():
        return session.scalar(
            select(ReceiptCounter)
            .where(ReceiptCounter.community_id == community_id, ReceiptCounter.year == year)
            .with_for_update()
        )

    row = counter()
    if row is None:
        try:
            with session.begin_nested():
                session.add(ReceiptCounter(community_id=community_id, year=year, last=0))
        except IntegrityError:  # another cashier created it first
            pass
        row = counter()
    row.last += 1
    session.flush()
    return row.last


def issue_receipt(session: Session, payment: Payment) -> Receipt:
    year = business_date(payment.paid_at).year
    seq = _next_receipt_seq(session, payment.community_id, year)
    receipt = Receipt(
        payment=payment,
        community_id=payment.community_id,
        year=year,
        seq=seq,
        number=f"{payment.community.code}-{year}-{seq:06d}",
        issued_at=payment.recorded_at,
    )
    session.add(receipt)
    session.flush()
    return receipt


def payment_window(session: Session, community_id: int, today: date) -> tuple[date, date]:
    """The days a payment of the community may be dated: from its first tariff's first day (or
    a year back, without any) to tomorrow."""
    first = session.scalar(
        select(func.min(Tariff.valid_from)).where(Tariff.community_id == community_id)
    )
    return first or today - timedelta(days=366), latest_payment_day(today)


def _check_paid_on(session, problems: Problems, unit: Unit, on: date, today) -> None:
    earliest, latest = payment_window(session, unit.building.community_id, today or business_date())
    if not earliest <= on <= latest:
        problems.add(
            "paid_at",
            _l(
                "A payment is dated from %(earliest)s to %(latest)s.",
                earliest=earliest.isoformat(),
                latest=latest.isoformat(),
            ),
        )


def record_payment(
    session: Session,
    unit_id,
    amount,
    method: str,
    reference: str | None = None,
    paid_at=None,
    actor: str = "system",
    today: date | None = None,
) -> PaymentResult:
    """Record a payment for a unit, allocate it, issue its receipt (one transaction).

    :param paid_at: an instant, ISO text or plain day (read in the business zone); default now.
        Within ``payment_window`` (docs/input.md).
    :param today: the business date (default: the clock's, at this edge).
    """
    problems = Problems()
    value = parse_amount(problems, "amount", amount)
    cap = Decimal(get_setting(session, "max_payment"))
    if value is not None and value > cap:
        problems.add(
            "amount",
            _l("At most %(cap)s yuan a payment (setting max_payment).", cap=format_money(cap)),
        )
    problems.check(
        method in METHODS, "method", _l("Choose one of: %(values)s.", values=", ".join(METHODS))
    )
    unit = session.get(Unit, unit_id) if is_id(unit_id) else None
    problems.check(unit is not None and in_scope(unit), "unit_id", _l("Unknown unit."))
    limit = Payment.reference.type.length
    problems.check(
        len(str(reference or "").strip()) <= limit,
        "reference",
        _l("At most %(n)d characters.", n=limit),
    )
    if paid_at not in (None, ""):
        paid_at = read_instant(paid_at, business_zone())
        if paid_at is None:
            problems.add("paid_at", _l("Use the form YYYY-MM-DD or YYYY-MM-DDTHH:MM+08:00."))
        elif unit is not None:
            _check_paid_on(session, problems, unit, business_date(paid_at), today)
    problems.raise_if_any()
    reference = (reference or "").strip() or None
    unit = lock_unit(session, unit.id)
    if reference and session.scalar(
        select(Payment.id).where(
            Payment.method == method, Payment.reference == reference, Payment.kind == "payment"
        )
    ):
        raise ConflictError(reference=_l("This reference is already recorded for this method."))
    now = datetime.now(UTC)
    paid_at = (paid_at or now).astimezone(UTC)
    on = business_date(paid_at)
    owner_id = session.scalar(
        select(Ownership.owner_id).where(
            Ownership.unit_id == unit.id,
            Ownership.start_date <= on,
            (Ownership.end_date.is_(None)) | (Ownership.end_date >= on),
        )
    )
    payment = Payment(
        community_id=unit.building.community_id,
        unit=unit,
        owner_id=owner_id,
        kind="payment",
        method=method,
        reference=reference,
        amount=value,
        paid_at=paid_at,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(payment)
    session.flush()
    rows = _apply(session, payment, value, on, now)
    receipt = issue_receipt(session, payment)
    return PaymentResult(
        payment,
        receipt.number,
        [(row.bill_id, row.principal + row.late_fee) for row in rows],
        unit_credit(session, unit.id),
    )


def apply_credit(session: Session, unit_id: int) -> list[Allocation]:
    """Apply the unit's credit (unallocated money of earlier payments) to its open bills."""
    lock_unit(session, unit_id)
    now = datetime.now(UTC)
    reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
    payments = session.scalars(
        select(Payment)
        .where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
        .order_by(Payment.paid_at, Payment.id)
    ).all()
    rows = []
    for payment in payments:
        used = session.scalar(
            select(func.coalesce(func.sum(Allocation.principal + Allocation.late_fee), 0)).where(
                Allocation.payment_id == payment.id
            )
        )
        left = payment.amount - Decimal(used)
        if left > 0:
            held_since = business_date(payment.paid_at)
            new = _apply(session, payment, left, held_since, now, held_since=held_since)
            if not new:
                break
            rows += new
    return rows


def reverse_payment(session: Session, payment_id, reason: str, actor: str = "system") -> Payment:
    """Undo a payment: a reversal entry, negative allocations, bills reopened, receipt void."""
    problems = Problems()
    problems.check(bool((reason or "").strip()), "reason", _l("Give the reason."))
    original = session.get(Payment, payment_id) if is_id(payment_id) else None
    if original is None or not in_scope(original):
        raise NotFoundError(payment_id=_l("Unknown payment."))
    problems.raise_if_any()
    lock_unit(session, original.unit_id)
    if original.kind != "payment":
        raise DomainError(payment_id=_l("A reversal cannot be reversed."))
    if session.scalar(select(Payment.id).where(Payment.reverses_id == original.id)):
        raise ConflictError(payment_id=_l("This payment is already reversed."))
    now = datetime.now(UTC)
    reversal = Payment(
        community_id=original.community_id,
        unit_id=original.unit_id,
        owner_id=original.owner_id,
        kind="reversal",
        method=original.method,
        amount=original.amount,
        paid_at=now,
        recorded_at=now,
        recorded_by=actor,
        reverses_id=original.id,
        reason=reason.strip(),
    )
    session.add(reversal)
    with session.no_autoflush:  # build every negative row before any of them is flushed
        undo = [
            Allocation(
                payment=reversal,
                bill=row.bill,
                principal=-row.principal,
                late_fee=-row.late_fee,
                applied_at=now,
            )
            for row in original.allocations
        ]
    session.add_all(undo)
    if original.receipt is not None:
        original.receipt.void = True
        original.receipt.void_reason = reason.strip()
    session.flush()
    for bill in {row.bill for row in undo}:
        refresh_bill(session, bill)
    return reversal
