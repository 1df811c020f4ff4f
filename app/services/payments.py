"""Recording and reversing payments (docs/domain.md §4–§5).

``record_payment`` allocates a payment to the unit's open bills (oldest due first, principal
before late fee), posts the late fee of every bill whose principal it settles, keeps the rest as
credit and issues a receipt with the next gapless number. ``reverse_payment`` undoes one with a
reversal entry. Both lock the unit's row first, so two cashiers paying the same unit at once are
serialized and never allocate the same balance twice. How money is booked to bills, and what a
bill owes, is the ledger's (``app.services.ledger``).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain.money import format_money
from app.domain.windows import latest_payment_day, read_instant
from app.models import (
    Allocation,
    Ownership,
    Payment,
    Receipt,
    ReceiptCounter,
    Tariff,
    Unit,
)
from app.models.types import PaymentMethod
from app.services.errors import ConflictError, DomainError, Problems
from app.services.ledger import (
    allocate_payment,
    lock_unit,
    parse_amount,
    refresh_bill,
    unit_credit,
)
from app.services.rows import find_row, visible_or_none
from app.services.settings import get_setting

METHODS = PaymentMethod.taken()


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    receipt_number: str | None
    allocations: list[tuple[int, Decimal]]  # (bill id, amount)
    credit: Decimal  # the unit's credit after the payment


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
    unit = visible_or_none(session, Unit, unit_id)
    problems.check(unit is not None, "unit_id", _l("Unknown unit."))
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
    assert unit is not None and value is not None  # else raise_if_any raised
    reference = (reference or "").strip() or None
    locked = lock_unit(session, unit.id)
    assert locked is not None  # found just above
    unit = locked
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
    rows = allocate_payment(session, payment, value, on, now)
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
    used = (
        select(
            Allocation.payment_id,
            func.sum(Allocation.principal + Allocation.late_fee).label("used"),
        )
        .group_by(Allocation.payment_id)
        .subquery()
    )
    payments = session.execute(
        # unscoped: the payments of the unit locked above, for its own credit
        select(Payment, func.coalesce(used.c.used, 0))
        .outerjoin(used, used.c.payment_id == Payment.id)
        .where(
            Payment.unit_id == unit_id, Payment.kind == "payment", Payment.id.not_in(reversed_ids)
        )
        .order_by(Payment.paid_at, Payment.id)
    ).all()
    rows = []
    for payment, spent in payments:
        left = payment.amount - Decimal(spent)
        if left > 0:
            held_since = business_date(payment.paid_at)
            new = allocate_payment(session, payment, left, held_since, now, held_since=held_since)
            if not new:
                break
            rows += new
    return rows


def reverse_payment(session: Session, payment_id, reason: str, actor: str = "system") -> Payment:
    """Undo a payment: a reversal entry, negative allocations, bills reopened, receipt void."""
    problems = Problems()
    problems.check(bool((reason or "").strip()), "reason", _l("Give the reason."))
    original = find_row(session, Payment, payment_id, payment_id=_l("Unknown payment."))
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
