"""Key figures (docs/domain.md §12): the one service the dashboard, the API, the supervision report
and the exports take their figures from. Read-only; ``community_ids`` None means every community.

Definitions, all on principal (fees billed; late fees are not part of them):

- A bill counts when it is live (not cancelled). Money counts on the day it was paid
  (``Payment.paid_at``, business time): a statement imported on the 1st still counts for the
  31st, and a reversal counts, negatively, on the day it was made. "By D" means up to the end
  of business day D. A waiver counts from the day it was approved.
- **Collection rate** of period P (bills whose period starts in P's month) as of D = principal
  collected on P's bills by D ÷ (billed for P − principal waived by D).
- **Household rate** = units with P fully paid by D ÷ units billed for P, both counting only
  units that owe something for P after waivers (a unit whose bill was waived in full owes
  nothing, as the collection rate leaves waived money out).
- **Year to date**: the same over the periods January … P, a unit counting as paid when all
  its bills of those months are.
- **Overdue rate** as of D = overdue principal ÷ principal outstanding on D, over the bills whose
  period has started by D; a bill is overdue when D is after its due date (§5).
- **Old-arrears recovery** (清缴率) of P as of D: the arrears of earlier periods are the bills
  of periods before P already overdue when P began; recovered = principal paid on them from
  P's first day to W (the end of P, or D if earlier) ÷ (recovered + their principal still
  outstanding at W). A reversal counts with the payment it undoes: undoing money paid before P
  reopens arrears (still open) without making P's recovery negative.
- **Dunning funnel**: dunning actions per level scheduled in a date range.
- **Collector score** (§12): per staff member, over the tasks of the collection campaigns
  running in a date range, clearance = collected ÷ arrears at start as the campaign report
  counts them (``app.services.collection.task_collections``), scored by
  ``app.domain.collection.collector_score``.

Rates are ``app.domain.rates.rate`` fractions (4 places, half-up) or None. Every figure is one
or two aggregate queries (set-based) whatever the number of units, reading only the bills it
concerns (``bench/kpi.py`` measures them and checks them against a naive loop). Amounts are
compared within half a fen: SQLite sums decimals as floating point. ``collection_overview``
gives the dashboard its collection figures in three queries.

The other slices' key figures are re-exported here (``installment_counts``,
``complaint_kpis``, ``complaints_by_category``, ``satisfaction_summary``), so that every edge
takes its figures from this one module.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.clock import business_date
from app.domain.collection import clearance_rate, collector_score
from app.domain.money import to_fen
from app.domain.rates import rate
from app.models import (
    Allocation,
    Bill,
    CollectionCampaign,
    CollectionTask,
    Community,
    DunningAction,
    DunningLevel,
    Payment,
    Waiver,
)
from app.models.collection import CampaignStatus
from app.models.types import BillStatus, UTCDateTime
from app.services.collection import end_of_day, task_collections
from app.services.complaints import complaint_kpis, complaints_by_category
from app.services.errors import Problems
from app.services.filters import community_arg, day_arg, month_arg
from app.services.installments import installment_counts
from app.services.ledger import OPEN_STATUSES
from app.services.surveys import satisfaction_summary

# This slice's key figures and, re-exported, the other slices': every edge takes them from here.
__all__ = [
    "CollectionFigures",
    "CollectionOverview",
    "CollectorScore",
    "FunnelStep",
    "KpiQuery",
    "MonthlyRate",
    "OldArrearsRecovery",
    "collection_by_community",
    "collection_figures",
    "collection_overview",
    "collector_scores",
    "complaint_kpis",
    "complaints_by_category",
    "dunning_funnel",
    "installment_counts",
    "month_of",
    "monthly_collection_rates",
    "old_arrears_recovery",
    "outstanding",
    "parse_query",
    "satisfaction_summary",
    "year_to_date",
]

HALF_FEN = Decimal("0.005")
NOTHING = literal_column("0")
AMOUNTS = ("waived0", "waived1", "paid0", "paid1")  # per unit, at the two cuts of a window


def money(value) -> Decimal:
    """A summed amount as exact fen (SQLite returns sums as floats)."""
    return to_fen(Decimal(str(value or 0)))


def month_of(period) -> date:
    """The first day of ``period`` ("YYYY-MM", or any day of the month).

    :raises DomainError: naming ``period`` when it is no month.
    """
    problems = Problems()
    month = problems.month("period", period)
    problems.raise_if_any()
    return month


def _next_month(month: date) -> date:
    return month + relativedelta(months=1)


def _month_end(month: date) -> date:
    return _next_month(month) - timedelta(days=1)


@dataclass(frozen=True)
class KpiQuery:
    """What a screen or API call asked for, checked: the period (its first day), the day the
    figures are taken on, the communities, and the days of the range-based figures (the
    period's days up to ``as_of``)."""

    period: date
    as_of: date
    community_ids: set[int] | None
    start: date
    end: date


def parse_query(args: Mapping[str, str], visible: set[int] | None) -> KpiQuery:
    """Check ``period`` (YYYY-MM, default: the month of ``as_of``), ``as_of`` (default today),
    ``community_id``, ``start`` and ``end`` (default: the period's first and last day, but not
    after ``as_of``), all optional; ``visible`` are the caller's communities (None: all).

    :raises DomainError: naming each bad field.
    :raises NotFoundError: for a community the caller may not see.
    """
    problems = Problems()
    as_of = day_arg(problems, args, "as_of", business_date())
    period = month_arg(problems, args, "period", as_of.replace(day=1))
    community_ids = community_arg(problems, args, visible)
    start = day_arg(problems, args, "start", period)
    end = day_arg(problems, args, "end", max(start, min(_month_end(period), as_of)))
    problems.check(start <= end, "end", _l("The end lies before the start."))
    problems.raise_if_any()
    return KpiQuery(period, as_of, community_ids, start, end)


def _scoped(column, community_ids):
    return [] if community_ids is None else [column.in_(community_ids)]


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
        .where(_approved_principal()),
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
    columns = []
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


def _approved_principal():
    return and_(Waiver.status == "approved", Waiver.part == "principal")


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
        session, [_Window(first, _next_month(last), (until, until))], community_ids
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
    query = select(Community).order_by(Community.code)
    if community_ids is not None:
        query = query.where(Community.id.in_(community_ids))
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
        _Window(m, _next_month(m), (min(end_of_day(_month_end(m)), until), until)) for m in firsts
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
        select(Waiver.bill_id).where(_approved_principal(), Waiver.decided_at >= until),
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
            Waiver.bill_id.in_(ids), _approved_principal(), Waiver.decided_at < until
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
        end_of_day(as_of), Bill.period_start <= as_of, *_scoped(Bill.community_id, community_ids)
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
    until = min(end_of_day(_month_end(month)), end_of_day(as_of))
    earlier = (
        Bill.period_start < month,
        Bill.due_date < month,
        *_scoped(Bill.community_id, community_ids),
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


# --- Dunning funnel and collector scores ------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    level: int
    name: str
    actions: int
    units: int
    amount: Decimal  # overdue on the days of the actions


def dunning_funnel(
    session: Session, start: date, end: date, community_ids: set[int] | None = None
) -> list[FunnelStep]:
    """Dunning actions per level scheduled from ``start`` to ``end`` (inclusive), every level
    listed (zeros included) from the pre-due reminder to legal action."""
    counts = {
        level: (actions, units, amount)
        for level, actions, units, amount in session.execute(
            select(
                DunningAction.level,
                func.count(),
                func.count(func.distinct(DunningAction.unit_id)),
                func.sum(DunningAction.amount),
            )
            .where(
                DunningAction.scheduled_on >= start,
                DunningAction.scheduled_on <= end,
                *_scoped(DunningAction.community_id, community_ids),
            )
            .group_by(DunningAction.level)
        )
    }
    levels = session.execute(
        select(DunningLevel.level, DunningLevel.name).order_by(DunningLevel.level)
    )
    steps = []
    for level, name in levels:
        actions, units, amount = counts.get(level, (0, 0, 0))
        steps.append(FunnelStep(level, name, actions, units, money(amount)))
    return steps


@dataclass(frozen=True)
class CollectorScore:
    user_id: int
    name: str
    units: int
    arrears: Decimal  # at the start of their campaigns
    collected: Decimal
    clearance_rate: Decimal | None
    score: int


def collector_scores(
    session: Session, start: date, end: date, community_ids: set[int] | None = None
) -> list[CollectorScore]:
    """Each staff member's clearance rate and score over the tasks of the campaigns running
    from ``start`` to ``end`` (started by ``end``, not closed before ``start``), money counted
    up to ``end``; by name."""
    running = (
        CollectionCampaign.started_on <= end,
        or_(
            CollectionCampaign.status == CampaignStatus.ACTIVE,
            CollectionCampaign.closed_at >= end_of_day(start - timedelta(days=1)),
        ),
        *_scoped(CollectionCampaign.community_id, community_ids),
    )
    collections = task_collections(end, *running)
    rows = session.execute(
        select(
            CollectionTask.assignee_id,
            User.username,
            func.count(CollectionTask.id),
            func.sum(CollectionTask.arrears_at_start),
            func.sum(func.coalesce(collections.c.collected, 0)),
        )
        .join(CollectionCampaign, CollectionCampaign.id == CollectionTask.campaign_id)
        .join(User, User.id == CollectionTask.assignee_id)
        .outerjoin(collections, collections.c.task_id == CollectionTask.id)
        .where(*running)
        .group_by(CollectionTask.assignee_id, User.username)
        .order_by(User.username)
    )
    scores = []
    for user_id, name, units, arrears, collected in rows:
        arrears, collected = money(arrears), money(collected)
        clearance = clearance_rate(collected, arrears)
        scores.append(
            CollectorScore(
                user_id, name, units, arrears, collected, clearance, collector_score(clearance)
            )
        )
    return scores
