"""The cashiers' daily close (日结, docs/domain.md §4): per cashier and method, what was received
and reversed on a business day, checked against the receipts issued that day. A prepaid amount
carried over when moving in (method ``opening``) was taken before: it is no day's takings."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_zone
from app.domain.money import ZERO
from app.models import Payment, Receipt
from app.models.types import PaymentMethod


@dataclass(frozen=True)
class CloseLine:
    cashier: str
    method: str
    payments: int
    received: Decimal
    reversed: Decimal

    @property
    def net(self) -> Decimal:
        return self.received - self.reversed


@dataclass(frozen=True)
class DailyClose:
    day: date
    lines: list[CloseLine]
    received: Decimal
    reversed: Decimal
    receipts: Decimal  # sum of the payments whose receipts were issued that day

    @property
    def balanced(self) -> bool:
        return self.receipts == self.received


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a business day starts and ends (end excluded)."""
    start = datetime.combine(day, time.min, tzinfo=business_zone())
    return start, start + timedelta(days=1)


def daily_close(session: Session, day: date, community_ids: set[int] | None = None) -> DailyClose:
    """The close of ``day`` for the given communities (all when None)."""
    start, end = day_bounds(day)
    scope = [] if community_ids is None else [Payment.community_id.in_(community_ids)]
    rows = session.execute(
        select(
            Payment.recorded_by,
            Payment.method,
            Payment.kind,
            func.count(),
            func.sum(Payment.amount),
        )
        .where(
            Payment.recorded_at >= start,
            Payment.recorded_at < end,
            Payment.method != PaymentMethod.OPENING,
            *scope,
        )
        .group_by(Payment.recorded_by, Payment.method, Payment.kind)
    ).all()
    totals: dict[tuple[str, str], list] = {}
    for cashier, method, kind, count, amount in rows:
        line = totals.setdefault((cashier, method), [0, ZERO, ZERO])
        if kind == "payment":
            line[0] += count
            line[1] += Decimal(amount)
        else:
            line[2] += Decimal(amount)
    lines = [
        CloseLine(cashier, method, *values) for (cashier, method), values in sorted(totals.items())
    ]
    receipts = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Receipt)
        .where(Receipt.issued_at >= start, Receipt.issued_at < end, *scope)
    ).scalar_one()
    return DailyClose(
        day,
        lines,
        sum((x.received for x in lines), ZERO),
        sum((x.reversed for x in lines), ZERO),
        Decimal(receipts),
    )
