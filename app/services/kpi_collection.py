"""Collection figures (docs/domain.md §12), on principal, counted as ``app.services.kpi``
says (live bills; money on the day it was paid; waivers from the day they were approved):

- **Collection rate** of period P (bills whose period starts in P's month) as of D = principal
  collected on P's bills by D ÷ (billed for P − principal waived by D).
- **Household rate** = units with P fully paid by D ÷ units billed for P, both counting only
  units that owe something for P after waivers (a unit whose bill was waived in full owes
  nothing, as the collection rate leaves waived money out).
- **Year to date**: the same over the periods January … P, a unit counting as paid when all
  its bills of those months are.
- **Overdue rate** as of D = overdue principal ÷ principal outstanding on D, over the bills whose
  period has started by D; a bill is overdue when D is after its due date (§5); the amounts are
  ``app.services.kpi_arrears.outstanding``.

``collection_overview`` gives the dashboard its collection figures in three queries.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Date,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.domain.rates import rate
from app.models import Allocation, Bill, Community, Payment, Waiver
from app.models.types import BillStatus, UTCDateTime
from app.services.collection_report import end_of_day
from app.services.kpi_arrears import outstanding
from app.services.kpi_periods import (
    HALF_FEN,
    approved_principal,
    money,
    month_end,
    month_of,
    next_month,
)
from app.services.rows import visible_rows

NOTHING: ColumnClause[int] = literal_column("0")
AMOUNTS = ("waived0", "waived1", "paid0", "paid1")  # per unit, at the two cuts of a window


# --- Collection rate and household rate ------------------------------------------------------


@dataclass(frozen=True)
class CollectionFigures:
    """The collection figures of the periods ``first_period`` … ``period`` as of ``as_of``."""

    first_period: str  # YYYY-MM; the same as ``period`` but for the year to date
    period: str
    as_of: date
    billed: Decimal
    waived: Decimal  # principal waived by ``as_of``
    collected: Decimal  # principal paid on these bills by ``as_of``, net of reversals
    collection_rate: Decimal | None
    units_billed: int  # units owing something for the periods after waivers
    units_paid: int  # those of them with nothing left to pay on ``as_of``
    household_rate: Decimal | None
    balance_due: Decimal  # principal outstanding on ``as_of`` (every period started by then)
    overdue_balance: Decimal  # the part of it past its due date
    overdue_rate: Decimal | None


@dataclass(frozen=True)
class _Window:
    """Bills whose period starts in [first, stop), counted at two instants (``cuts``)."""

    first: date
    stop: date
    cuts: tuple[datetime, datetime]


def _collections(
    session: Session, windows: list[_Window], community_ids, units: bool = True
) -> list[list[tuple]]:
    """Per window, in order, per cut: (billed, waived, collected, units billed, units paid),
    without the units unless ``units``; one query for any number of windows (the
    monthly series of the dashboard).

    Bills are found through the (community, period start) index, then each bill's allocations
    and waivers through their bill index: the query reads the bills of the windows only.
    """
    asked = union_all(
        *[
            select(
                literal(n, Integer).label("key"),
                literal(w.first, Date).label("first"),
                literal(w.stop, Date).label("stop"),
                literal(w.cuts[0], UTCDateTime).label("cut0"),
                literal(w.cuts[1], UTCDateTime).label("cut1"),
            )
            for n, w in enumerate(windows)
        ]
    ).cte("asked")
    communities = select(Community.id) if community_ids is None else community_ids

    def row(billed=NOTHING, waived=(NOTHING, NOTHING), paid=(NOTHING, NOTHING)):
        """A select over the windows' bills (by the community and period index)."""
        return (
            select(asked.c.key, Bill.unit_id, billed, *waived, *paid)
            .join(asked, and_(Bill.period_start >= asked.c.first, Bill.period_start < asked.c.stop))
            .where(
                Bill.status != BillStatus.CANCELLED,
                Bill.community_id.in_(communities),
                Bill.period_start >= min(w.first for w in windows),
                Bill.period_start < max(w.stop for w in windows),
            )
        )

    def at_cuts(amount, moment) -> list:
        return [case((moment < cut, amount), else_=NOTHING) for cut in (asked.c.cut0, asked.c.cut1)]

    # billed, waived and paid as rows of one union, summed per unit: no join between
    # aggregates (SQLite would nest-loop over them), the bills read by each part from the
    # table itself (PostgreSQL estimates a shared CTE badly and spills its aggregates)
    parts = union_all(
        row(
            Bill.total.label("billed"),
            *[[NOTHING.label(n) for n in AMOUNTS[i : i + 2]] for i in (0, 2)],
        ),
        row(waived=at_cuts(Waiver.amount, Waiver.decided_at))
        .join(Waiver, Waiver.bill_id == Bill.id)
        .where(approved_principal()),
        row(paid=at_cuts(Allocation.principal, Payment.paid_at))
        .join(Allocation, Allocation.bill_id == Bill.id)
        .join(Payment, Payment.id == Allocation.payment_id),
    ).subquery("parts")
    key, unit_id, billed, *amounts = parts.c
    if units:  # a unit counts once per window, whatever its number of bills in it
        per_unit = (
            select(
                key, func.sum(billed).label("billed"), *(func.sum(a).label(a.name) for a in amounts)
            )
            .group_by(key, unit_id)
            .subquery("per_unit")
        )
        key, billed, *amounts = per_unit.c
    columns: list[ColumnElement[Any]] = []
    for waived, paid in ((amounts[0], amounts[2]), (amounts[1], amounts[3])):
        owing = billed - waived > HALF_FEN
        columns += [func.sum(waived), func.sum(paid)]
        if units:
            columns += [
                func.count().filter(owing),
                func.count().filter(owing, billed - waived - paid < HALF_FEN),
            ]
    rows = session.execute(select(key, func.sum(billed), *columns).group_by(key))
    width = 4 if units else 2
    found = {
        key: [(billed, *rest[n * width : (n + 1) * width]) for n in (0, 1)]
        for key, billed, *rest in rows
    }
    nothing = (0, 0, 0, 0, 0) if units else (0, 0, 0)
    return [found.get(n, [nothing, nothing]) for n in range(len(windows))]


def _figures(first: date, last: date, as_of: date, row, balances) -> CollectionFigures:
    billed, waived, collected, units_billed, units_paid = row
    billed, waived, collected = money(billed), money(waived), money(collected)
    balance_due, overdue = balances
    return CollectionFigures(
        first_period=f"{first:%Y-%m}",
        period=f"{last:%Y-%m}",
        as_of=as_of,
        billed=billed,
        waived=waived,
        collected=collected,
        collection_rate=rate(collected, billed - waived),
        units_billed=units_billed,
        units_paid=units_paid,
        household_rate=rate(units_paid, units_billed),
        balance_due=balance_due,
        overdue_balance=overdue,
        overdue_rate=rate(overdue, balance_due),
    )


def _single(session: Session, first: date, last: date, as_of: date, community_ids):
    """The figures of the periods ``first`` … ``last`` as of ``as_of``."""
    until = end_of_day(as_of)
    ((row, _),) = _collections(
        session, [_Window(first, next_month(last), (until, until))], community_ids
    )
    return _figures(first, last, as_of, row, outstanding(session, as_of, community_ids))


def collection_figures(
    session: Session, period, as_of: date, community_ids: set[int] | None = None
) -> CollectionFigures:
    """Collection rate, household rate and overdue rate of ``period`` (YYYY-MM) as of
    ``as_of`` (see the module's docstring)."""
    month = month_of(period)
    return _single(session, month, month, as_of, community_ids)


def year_to_date(
    session: Session, period, as_of: date, community_ids: set[int] | None = None
) -> CollectionFigures:
    """The figures of ``collection_figures`` over January … ``period`` of its year."""
    month = month_of(period)
    return _single(session, month.replace(month=1), month, as_of, community_ids)


def collection_by_community(
    session: Session, period, as_of: date, community_ids: set[int] | None = None
) -> list[tuple[Community, CollectionFigures]]:
    """``collection_figures`` of each community (of ``community_ids``), by code: the
    company-wide comparison."""
    query = visible_rows(Community, community_ids).order_by(Community.code)
    return [
        (community, collection_figures(session, period, as_of, {community.id}))
        for community in session.scalars(query)
    ]


@dataclass(frozen=True)
class MonthlyRate:
    period: str
    at_month_end: Decimal | None  # as of the month's last day (or ``as_of`` if earlier)
    to_date: Decimal | None  # as of ``as_of``


def _monthly(session: Session, last: date, as_of: date, community_ids, months: int) -> list:
    """(month, figures at its month end, figures as of ``as_of``) for the ``months`` periods
    ending with ``last``, oldest first; the figures without units."""
    firsts = [last - relativedelta(months=n) for n in range(months - 1, -1, -1)]
    until = end_of_day(as_of)
    windows = [
        _Window(m, next_month(m), (min(end_of_day(month_end(m)), until), until)) for m in firsts
    ]
    rows = _collections(session, windows, community_ids, units=False)
    return [(m, at_end, now) for m, (at_end, now) in zip(firsts, rows, strict=True)]


def _collection_rate(row) -> Decimal | None:
    billed, waived, collected = (money(v) for v in row[:3])
    return rate(collected, billed - waived)


def monthly_collection_rates(
    session: Session, period, as_of: date, community_ids=None, months: int = 12
) -> list[MonthlyRate]:
    """The collection rate of the ``months`` periods ending with ``period``, each as of its own
    month end and as of ``as_of``, oldest first (the dashboard's line chart); one query."""
    return [
        MonthlyRate(f"{m:%Y-%m}", _collection_rate(at_end), _collection_rate(now))
        for m, at_end, now in _monthly(session, month_of(period), as_of, community_ids, months)
    ]


@dataclass(frozen=True)
class CollectionOverview:
    figures: CollectionFigures  # of the period
    year_to_date_rate: Decimal | None
    monthly: list[MonthlyRate]  # the 12 months ending with the period


def collection_overview(
    session: Session, period, as_of: date, community_ids: set[int] | None = None
) -> CollectionOverview:
    """The dashboard's collection figures in three queries: the period's, the rates of the 12
    months ending with it, and its year-to-date collection rate summed from those months (the
    rate ``year_to_date`` gives, without reading the year's bills twice)."""
    month = month_of(period)
    rows = _monthly(session, month, as_of, community_ids, 12)
    this_year = [now for m, _, now in rows if m.year == month.year]
    billed, waived, collected = (sum(money(row[n]) for row in this_year) for n in range(3))
    return CollectionOverview(
        collection_figures(session, month, as_of, community_ids),
        rate(collected, billed - waived),
        [MonthlyRate(f"{m:%Y-%m}", _collection_rate(e), _collection_rate(n)) for m, e, n in rows],
    )
