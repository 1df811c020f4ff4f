"""A unit's account as of a date: its bills, late fees to date, credit and total due; and the
ledger check that recomputes every cached figure from the allocations."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.money import ZERO
from app.models import Allocation, Bill, Unit
from app.models.types import BillStatus
from app.services.ledger import (
    OPEN_STATUSES,
    accrued_late_fee,
    allocated_to,
    principal_of,
    unit_credit,
)
from app.services.rows import find_row


@dataclass(frozen=True)
class StatementLine:
    bill_id: int
    number: str
    period_start: date
    period_end: date
    due_date: date
    total: Decimal
    paid: Decimal
    waived: Decimal
    principal_due: Decimal
    late_fee: Decimal  # posted, or accrued to the statement date while the principal is unpaid
    balance: Decimal  # principal due + late fee not yet paid
    status: str


@dataclass(frozen=True)
class Statement:
    unit_id: int
    unit_code: str
    as_of: date
    lines: list[StatementLine]
    credit: Decimal
    total_due: Decimal  # what the owner must pay today to be clear, after credit


def account_statement(session: Session, unit_id: int, as_of: date) -> Statement:
    unit = find_row(session, Unit, unit_id, unit_id=_l("Unknown unit."))
    bills = session.scalars(
        # unscoped: the bills of the unit found through the door above
        select(Bill)
        .where(Bill.unit_id == unit_id, Bill.status != BillStatus.CANCELLED)
        .order_by(Bill.due_date, Bill.id)
    ).all()
    lines = []
    for bill in bills:
        principal_paid, fee_paid = allocated_to(session, bill)
        principal_due = principal_of(bill) - Decimal(principal_paid)
        fee = bill.late_fee
        if principal_due > 0 and bill.status in OPEN_STATUSES:
            fee = max(accrued_late_fee(session, bill, as_of), bill.late_fee)
        lines.append(
            StatementLine(
                bill.id,
                bill.number,
                bill.period_start,
                bill.period_end,
                bill.due_date,
                bill.total,
                bill.paid,
                bill.waived,
                principal_due,
                fee,
                principal_due + max(fee - Decimal(fee_paid) - bill.late_fee_waived, ZERO),
                bill.status,
            )
        )
    credit = unit_credit(session, unit_id)
    due = sum((line.balance for line in lines), ZERO)
    return Statement(unit_id, unit.code, as_of, lines, credit, max(due - credit, ZERO))


def verify_ledger(session: Session) -> list[tuple[int, str, Decimal, Decimal]]:
    """Bills whose cached ``paid`` or ``balance`` disagree with their allocations:
    (bill id, field, cached, recomputed). An empty list means the ledger is consistent."""
    allocated = (
        select(
            Allocation.bill_id, func.sum(Allocation.principal + Allocation.late_fee).label("paid")
        )
        .group_by(Allocation.bill_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Bill.id,
            Bill.paid,
            Bill.balance,
            Bill.total + Bill.late_fee - Bill.late_fee_waived - Bill.waived,
            Bill.status,
            func.coalesce(allocated.c.paid, 0),
        ).outerjoin(allocated, allocated.c.bill_id == Bill.id)
    )
    problems = []
    for bill_id, paid, balance, owed, status, really_paid in rows:
        really_paid = Decimal(really_paid).quantize(Decimal("0.01"))
        expected = Decimal("0.00") if status == BillStatus.CANCELLED else owed - really_paid
        if paid != really_paid:
            problems.append((bill_id, "paid", paid, really_paid))
        if balance != expected:
            problems.append((bill_id, "balance", balance, expected))
    return problems
