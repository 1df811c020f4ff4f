"""Arrears as of a day (docs/domain.md §5): overdue accounts, the aging summary, the early-warning
list.

Read-only finders. Balances are the bills' recorded balances (principal and posted late fee,
less what was paid or waived); ``as_of`` is the day the days overdue are counted to, today by
default. A bill counts when it is open or partly paid, its balance is positive and ``as_of`` is
after its due date. ``community_ids`` limits every finder (None: all communities); the edges
pass the user's ``visible_community_ids()``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from app.clock import business_date
from app.domain.aging import BUCKET_KEYS, BUCKETS, bucket_of, days_overdue, due_dates_of
from app.models import Bill, Building, Community, Owner, Unit
from app.services.errors import Problems
from app.services.filters import community_arg, day_arg
from app.services.ledger import OPEN_STATUSES, parse_amount
from app.services.settings import get_int


@dataclass(frozen=True)
class OverdueAccount:
    """One unit's overdue bills, summed."""

    unit_id: int
    unit: str
    community_id: int
    community: str
    owner_id: int | None  # who owed the latest overdue bill
    owner: str
    overdue: Decimal
    bills: int
    oldest_due: date
    days_overdue: int
    bucket: str


@dataclass(frozen=True)
class AgingRow:
    """One community's overdue money per bucket: (units, amount) by each bill's own age."""

    community_id: int
    community: str
    buckets: dict[str, tuple[int, Decimal]]
    units: int
    amount: Decimal


@dataclass(frozen=True)
class WarningLine:
    """A bill falling due within ``warn_days``, or already overdue."""

    bill_id: int
    number: str
    unit_id: int
    unit: str
    community: str
    owner: str
    due_date: date
    balance: Decimal
    days: int  # days overdue; negative: days left before the due date


@dataclass(frozen=True)
class ArrearsQuery:
    """What a screen or API call asked for, checked."""

    as_of: date
    community_ids: set[int] | None
    bucket: str | None = None
    min_amount: Decimal | None = None


def parse_query(args: Mapping[str, str], visible: set[int] | None) -> ArrearsQuery:
    """Check ``as_of``, ``community_id``, ``bucket`` and ``min_amount`` (all optional) from a
    query string; ``visible`` are the caller's communities (None: all).

    :raises DomainError: naming each bad field.
    :raises NotFoundError: for a community the caller may not see.
    """
    problems = Problems()
    as_of = day_arg(problems, args, "as_of", business_date())
    community_ids = community_arg(problems, args, visible)
    bucket = min_amount = None
    if args.get("bucket"):
        bucket = args["bucket"]
        problems.check(
            bucket in BUCKET_KEYS,
            "bucket",
            _l("Choose one of %(buckets)s.", buckets=", ".join(BUCKET_KEYS)),
        )
    if args.get("min_amount"):
        min_amount = parse_amount(problems, "min_amount", args["min_amount"])
    problems.raise_if_any()
    return ArrearsQuery(as_of, community_ids, bucket, min_amount)


def _unpaid(community_ids: set[int] | None):
    """Conditions of a bill with money still owed, in the given communities."""
    conditions = [Bill.status.in_(OPEN_STATUSES), Bill.balance > 0]
    if community_ids is not None:
        conditions.append(Bill.community_id.in_(community_ids))
    return conditions


def find_overdue_accounts(
    session: Session,
    as_of: date,
    community_ids: set[int] | None = None,
    *,
    bucket: str | None = None,
    min_amount: Decimal | None = None,
) -> list[OverdueAccount]:
    """Units with overdue bills on ``as_of``, oldest debt first.

    :param bucket: only units whose oldest overdue bill is in this aging bucket.
    :param min_amount: only units owing at least this much overdue.
    """
    per_unit = (
        select(
            Bill.unit_id,
            func.sum(Bill.balance).label("overdue"),
            func.count().label("bills"),
            func.min(Bill.due_date).label("oldest_due"),
            func.max(Bill.id).label("last_bill"),
        )
        .where(*_unpaid(community_ids), Bill.due_date < as_of)
        .group_by(Bill.unit_id)
    )
    if bucket is not None:
        earliest, latest = due_dates_of(bucket, as_of)
        per_unit = per_unit.having(func.min(Bill.due_date) <= latest)
        if earliest is not None:
            per_unit = per_unit.having(func.min(Bill.due_date) >= earliest)
    if min_amount is not None:
        per_unit = per_unit.having(func.sum(Bill.balance) >= min_amount)
    grouped = per_unit.subquery()
    last = aliased(Bill)
    rows = session.execute(
        select(
            grouped,
            Unit.code.label("unit"),
            Community.id.label("community_id"),
            Community.code.label("community"),
            Owner.id.label("owner_id"),
            Owner.name.label("owner"),
        )
        .join(Unit, Unit.id == grouped.c.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .join(last, last.id == grouped.c.last_bill)
        .outerjoin(Owner, Owner.id == last.owner_id)
        .order_by(grouped.c.oldest_due, Community.code, Unit.code)
    )
    accounts = []
    for row in rows:
        days = days_overdue(row.oldest_due, as_of)
        aged = bucket_of(days)
        assert aged is not None  # due before as_of: at least a day overdue
        accounts.append(
            OverdueAccount(
                row.unit_id,
                row.unit,
                row.community_id,
                row.community,
                row.owner_id,
                row.owner or "",
                Decimal(row.overdue),
                row.bills,
                row.oldest_due,
                days,
                aged,
            )
        )
    return accounts


def aging_summary(
    session: Session, as_of: date, community_ids: set[int] | None = None
) -> list[AgingRow]:
    """Per community, the overdue units and money of each aging bucket on ``as_of``."""
    bucket = case(
        *[
            (Bill.due_date >= earliest, key)
            for key, earliest in ((key, due_dates_of(key, as_of)[0]) for key, _, _ in BUCKETS)
            if earliest is not None
        ],
        else_=BUCKETS[-1][0],
    ).label("bucket")
    overdue = [*_unpaid(community_ids), Bill.due_date < as_of]
    cells = session.execute(
        select(
            Bill.community_id,
            bucket,
            func.count(func.distinct(Bill.unit_id)),
            func.sum(Bill.balance),
        )
        .where(*overdue)
        .group_by(Bill.community_id, bucket)
    ).all()
    totals = dict(
        session.execute(
            select(Bill.community_id, func.count(func.distinct(Bill.unit_id)))
            .where(*overdue)
            .group_by(Bill.community_id)
        ).all()
    )
    codes = dict(session.execute(select(Community.id, Community.code)).all())
    grid: dict[int, dict[str, tuple[int, Decimal]]] = {}
    for community_id, key, units, amount in cells:
        grid.setdefault(community_id, {})[key] = (units, Decimal(amount))
    empty = (0, Decimal("0.00"))
    return [
        AgingRow(
            community_id,
            codes[community_id],
            {key: grid[community_id].get(key, empty) for key, _, _ in BUCKETS},
            totals[community_id],
            sum((amount for _, amount in grid[community_id].values()), Decimal("0.00")),
        )
        for community_id in sorted(grid, key=lambda i: codes[i])
    ]


def early_warning(
    session: Session, as_of: date, community_ids: set[int] | None = None
) -> list[WarningLine]:
    """Bills unpaid on ``as_of`` that fall due within the ``warn_days`` setting or are overdue,
    soonest due first."""
    horizon = as_of + timedelta(days=get_int(session, "warn_days"))
    rows = session.execute(
        select(
            Bill.id,
            Bill.number,
            Bill.unit_id,
            Unit.code,
            Community.code,
            Owner.name,
            Bill.due_date,
            Bill.balance,
        )
        .join(Unit, Unit.id == Bill.unit_id)
        .join(Community, Community.id == Bill.community_id)
        .outerjoin(Owner, Owner.id == Bill.owner_id)
        .where(*_unpaid(community_ids), Bill.due_date <= horizon)
        .order_by(Bill.due_date, Community.code, Unit.code)
    )
    return [
        WarningLine(
            bill_id,
            number,
            unit_id,
            unit,
            community,
            owner or "",
            due,
            balance,
            (as_of - due).days,
        )
        for bill_id, number, unit_id, unit, community, owner, due, balance in rows
    ]
