"""Billing runs (docs/domain.md §3): set-based, idempotent, with a preview that writes nothing.

For each community the run looks up the tariffs whose cycle starts in the period's month, then
works in a handful of SQL statements, whatever the number of units: one ``INSERT … SELECT`` for
the missing bills (written once, with their number and total), one per tariff for the missing
lines, and one ``UPDATE`` for the totals of older open bills that gained a line. The
line formula of ``app.domain.money.line_amount`` is computed in integers (centi-m² × 1/10000
yuan), so SQLite's floating point never rounds a fen differently from ``Decimal``.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Numeric,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import record
from app.clock import business_date
from app.domain.money import line_amount, to_fen
from app.domain.periods import cycle_starts, due_date, month_start, period_end
from app.domain.windows import latest_billing_period
from app.models import (
    Allocation,
    Bill,
    BillingRun,
    BillLine,
    Building,
    Community,
    Ownership,
    Payment,
    Tariff,
    Unit,
)
from app.models.types import BillStatus
from app.services.errors import DomainError
from app.services.payments import apply_credit
from app.services.settings import get_int

MAX_LISTED_FAILURES = 500
CENT = literal(Decimal("0.01"), Numeric(14, 2))


@dataclass
class RunResult:
    """What a run did (or, for a preview, would do)."""

    period_start: date
    dry_run: bool
    created: int = 0  # bill lines
    bills: int = 0  # new bills
    skipped: int = 0  # lines that already existed
    failed: list[dict] = field(default_factory=list)
    total: Decimal = Decimal("0.00")  # sum of the new lines
    run_id: int | None = None


def fen_of(amount_column):
    """A money column as whole fen (exact on every database)."""
    return cast(func.round(amount_column * 100), BigInteger)


def line_fen(tariff: Tariff, area_column):
    """SQL for ``line_amount`` in whole fen, rounded half up like the domain function."""
    if tariff.basis == "area":
        price_e4 = int(tariff.price * 10000)
        micro = fen_of(area_column) * price_e4 * tariff.cycle_months  # 1/1,000,000 yuan
        return (micro + 5000) // 10000
    amount = line_amount(tariff.basis, tariff.price, Decimal(0), tariff.cycle_months)
    return literal(int(amount * 100), BigInteger)


def _covers(period: date):
    return and_(
        Ownership.unit_id == Unit.id,
        Ownership.start_date <= period,
        or_(Ownership.end_date.is_(None), Ownership.end_date >= period),
    )


def _live_bill(period: date, *conditions):
    return (
        exists()
        .where(
            Bill.unit_id == Unit.id,
            Bill.period_start == period,
            Bill.status != BillStatus.CANCELLED,
            *conditions,
        )
        .correlate(Unit)
    )


def _live_line(tariff: Tariff, period: date):
    return (
        exists()
        .where(
            BillLine.unit_id == Unit.id,
            BillLine.tariff_id == tariff.id,
            BillLine.period_start == period,
            BillLine.cancelled == false(),
        )
        .correlate(Unit)
    )


def _editable_bill():
    """A bill still open, unpaid and never sent: lines may still be added to it."""
    return and_(Bill.status == BillStatus.OPEN, Bill.paid == 0, Bill.noticed_at.is_(None))


def applicable_tariffs(session: Session, community: Community, period: date) -> list[Tariff]:
    """Tariffs of ``community`` valid on ``period`` whose billing cycle starts that month."""
    tariffs = session.scalars(
        select(Tariff).where(
            Tariff.community_id == community.id,
            Tariff.valid_from <= period_end(period, 1),
            or_(Tariff.valid_to.is_(None), Tariff.valid_to >= period),
        )
    )
    return [t for t in tariffs if cycle_starts(t.valid_from, t.cycle_months, period)]


def _units(community: Community, types, only=()) -> list:
    """Conditions selecting the community's units of ``types`` (and ``only`` those)."""
    return [Building.community_id == community.id, Unit.property_type.in_(types), *only]


def _bill_community(session, community, period, result: RunResult, run_id, now, only=()):
    tariffs = applicable_tariffs(session, community, period)
    types = sorted({t for tariff in tariffs for t in tariff.property_type_list})
    if not tariffs:
        return
    in_community = _units(community, types, only)
    locked = _live_bill(period, ~_editable_bill())
    payer = exists().where(_covers(period)).correlate(Unit)

    def units(*where):
        return select(Unit.code).join(Building).where(*in_community, *where)

    for code in session.scalars(units(~payer).order_by(Unit.code)):
        result.failed.append(
            {
                "community": community.code,
                "unit": code,
                "reason": str(_l("No paying owner on the period start.")),
            }
        )
    missing_any = or_(
        *[
            and_(Unit.property_type.in_(t.property_type_list), ~_live_line(t, period))
            for t in tariffs
        ]
    )
    for code in session.scalars(units(payer, locked, missing_any).order_by(Unit.code)):
        result.failed.append(
            {
                "community": community.code,
                "unit": code,
                "reason": str(
                    _l("Its bill is already paid or sent: cancel and re-issue it to add a fee.")
                ),
            }
        )

    candidates = {}
    for tariff in tariffs:
        where = [*_units(community, tariff.property_type_list, only), payer, ~locked]
        result.skipped += session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building)
            .where(*where, _live_line(tariff, period))
        )
        candidates[tariff] = where
        count, fen = session.execute(
            select(func.count(), func.coalesce(func.sum(line_fen(tariff, Unit.area)), 0))
            .select_from(Unit)
            .join(Building)
            .where(*where, ~_live_line(tariff, period))
        ).one()
        result.created += count
        result.total += Decimal(fen) / 100
    if result.dry_run:
        result.bills += session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building)
            .where(*in_community, payer, missing_any, ~_live_bill(period))
        )
        return
    _write(session, community, period, tariffs, candidates, missing_any, result, run_id, now, only)
    for unit_id in units_with_credit(session, community.id):
        apply_credit(session, unit_id)


def _insert_new(session: Session, model, columns: list[str], rows) -> None:
    """``INSERT … SELECT`` skipping the rows a live row already holds (the model's partial
    unique index). ON CONFLICT, not NOT EXISTS: a NOT EXISTS on the table being filled makes
    PostgreSQL rescan its growing heap for every row when its statistics say it is empty, as
    they do before the first run."""
    (index,) = [i for i in model.__table__.indexes if i.unique]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    where = index.dialect_options[dialect.dialect.name]["where"]
    statement = dialect.insert(model).from_select(columns, rows)
    session.execute(
        statement.on_conflict_do_nothing(index_elements=list(index.columns), index_where=where)
    )


def _new_bill_id(session: Session):
    """SQL giving each row of an ``INSERT … SELECT`` a fresh bill id, so that the bill number
    (built from the id) is written with the row instead of by a second pass."""
    if session.get_bind().dialect.name == "postgresql":
        return func.nextval(func.pg_get_serial_sequence("bill", "id"))
    # SQLite has one writer at a time, and this transaction already holds the write lock
    start = session.scalar(select(func.coalesce(func.max(Bill.id), 0)))
    return start + func.row_number().over(order_by=Unit.id)


def _write(session, community, period, tariffs, candidates, missing_any, result, run_id, now, only):
    """Insert the missing bills and lines, then refresh the totals of the bills touched."""
    by_type = {}
    for tariff in tariffs:
        for kind in tariff.property_type_list:
            due, end = by_type.get(kind, (date.max, date.min))
            by_type[kind] = (
                min(due, due_date(period, tariff.due_days)),
                max(end, period_end(period, tariff.cycle_months)),
            )
    payer_id = (
        select(Ownership.owner_id)
        .where(_covers(period))
        .order_by(Ownership.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    total = sum(
        case((Unit.property_type.in_(t.property_type_list), line_fen(t, Unit.area)), else_=0)
        for t in tariffs
    )
    fresh = (
        select(
            _new_bill_id(session).label("id"),
            Unit.id.label("unit_id"),
            payer_id.label("owner_id"),
            case({k: v[1] for k, v in by_type.items()}, value=Unit.property_type).label("end"),
            case({k: v[0] for k, v in by_type.items()}, value=Unit.property_type).label("due"),
            (total * CENT).label("total"),
        )
        .select_from(Unit)
        .join(Building)
        .where(
            *_units(community, list(by_type), only),
            exists().where(_covers(period)).correlate(Unit),
            missing_any,
        )
        .subquery()
    )
    zero = literal(Decimal("0.00"), Numeric(14, 2))
    new_bills = select(
        fresh.c.id,
        literal(f"{community.code}-{period:%Y%m}-") + cast(fresh.c.id, String),
        literal(community.id),
        fresh.c.unit_id,
        fresh.c.owner_id,
        literal(run_id),
        literal(period),
        fresh.c.end,
        fresh.c.due,
        fresh.c.total,
        zero,
        zero,
        zero,
        fresh.c.total,
        literal(BillStatus.OPEN.value),
        literal(now, Bill.issued_at.type),
    ).where(true())  # SQLite parses ``INSERT … SELECT … ON CONFLICT`` only after a WHERE
    _insert_new(
        session,
        Bill,
        [
            "id",
            "number",
            "community_id",
            "unit_id",
            "owner_id",
            "run_id",
            "period_start",
            "period_end",
            "due_date",
            "total",
            "paid",
            "waived",
            "late_fee",
            "balance",
            "status",
            "issued_at",
        ],
        new_bills,
    )
    result.bills += session.scalar(  # rowcount of INSERT … SELECT is not portable
        select(func.count()).where(Bill.run_id == run_id, Bill.community_id == community.id)
    )
    for tariff, where in candidates.items():
        lines = (
            select(
                Bill.id,
                literal(tariff.id),
                Unit.id,
                literal(period),
                literal(period_end(period, tariff.cycle_months)),
                literal(tariff.fee_kind),
                literal(tariff.name),
                literal(tariff.basis),
                Unit.area if tariff.basis == "area" else literal(None, Numeric(12, 2)),
                literal(tariff.price, Numeric(14, 4)),
                literal(tariff.cycle_months),
                line_fen(tariff, Unit.area) * CENT,
                false(),
            )
            .select_from(Unit)
            .join(Building)
            .join(
                Bill,
                and_(
                    Bill.community_id == community.id,  # lets SQLite pick (community, period)
                    Bill.period_start == period,
                    Bill.unit_id == Unit.id,
                    _editable_bill(),
                ),
            )
            .where(*where)
        )
        _insert_new(
            session,
            BillLine,
            [
                "bill_id",
                "tariff_id",
                "unit_id",
                "period_start",
                "period_end",
                "fee_kind",
                "name",
                "basis",
                "area",
                "price",
                "months",
                "amount",
                "cancelled",
            ],
            lines,
        )
    line_total = (
        select(func.coalesce(func.sum(fen_of(BillLine.amount)), 0))
        .where(BillLine.bill_id == Bill.id, BillLine.cancelled == false())
        .scalar_subquery()
    )
    last_day = (
        select(func.max(BillLine.period_end))
        .where(BillLine.bill_id == Bill.id, BillLine.cancelled == false())
        .scalar_subquery()
    )
    # New bills were written with their totals; older ones may have gained lines.
    new_total = line_total * CENT
    grown = and_(
        Bill.community_id == community.id,
        Bill.period_start == period,
        Bill.run_id.is_distinct_from(run_id),
        _editable_bill(),
        or_(Bill.total != new_total, Bill.period_end != last_day),
    )
    beyond_total = Bill.late_fee - Bill.late_fee_waived - Bill.waived  # nothing is paid yet
    changes = session.execute(
        select(Bill.id, Bill.total, Bill.balance, line_total, beyond_total).where(grown)
    ).all()
    if not changes:
        return
    session.execute(
        update(Bill)
        .where(Bill.id.in_([bill_id for bill_id, *_ in changes]))
        .values(total=new_total, balance=new_total + beyond_total, period_end=last_day)
        .execution_options(synchronize_session=False)
    )
    for bill_id, total, balance, fen, beyond in changes:
        after = Decimal(fen) / 100
        record(
            session,
            "update",
            Bill.__tablename__,
            bill_id,
            {
                "before": {"total": str(total), "balance": str(balance)},
                "after": {"total": str(after), "balance": str(to_fen(after + Decimal(beyond)))},
                "billing_run": run_id,
            },
        )


def units_with_credit(session: Session, community_id: int) -> list[int]:
    """Units of a community holding money not yet allocated to any bill."""
    reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
    live = and_(
        Payment.community_id == community_id,
        Payment.kind == "payment",
        Payment.id.not_in(reversed_ids),
    )
    allocated = (
        select(
            Allocation.payment_id,
            func.sum(Allocation.principal + Allocation.late_fee).label("used"),
        )
        .group_by(Allocation.payment_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Payment.unit_id)
            .outerjoin(allocated, allocated.c.payment_id == Payment.id)
            .where(live)
            .group_by(Payment.unit_id)
            .having(func.sum(Payment.amount - func.coalesce(allocated.c.used, 0)) > 0)
        )
    )


def run_billing(
    session: Session,
    period: date,
    community_id: int | None = None,
    *,
    dry_run: bool = False,
    actor: str = "system",
    unit_id: int | None = None,
    today: date | None = None,
) -> RunResult:
    """Bill every billable unit for ``period``'s month; a re-run adds only what is missing.

    :param dry_run: compute the same counts and totals, write nothing.
    :param unit_id: bill this unit only (re-issuing a cancelled bill).
    :param today: the business date (default: the clock's, at this edge); a period more than
        the setting ``billing_months_ahead`` months past its month is refused (docs/input.md).
    """
    period = month_start(period)
    ahead = get_int(session, "billing_months_ahead")
    latest = latest_billing_period(today or business_date(), ahead)
    if period > latest:
        raise DomainError(
            period=_l(
                "Bill at most up to %(month)s (setting billing_months_ahead).",
                month=latest.strftime("%Y-%m"),
            )
        )
    first = session.scalar(select(func.min(Tariff.valid_from)))
    if first is not None and period < month_start(first):
        raise DomainError(
            period=_l(
                "No tariff was valid yet: bill from %(month)s on.",
                month=month_start(first).strftime("%Y-%m"),
            )
        )
    query = select(Community).order_by(Community.code)
    only = ()
    if unit_id is not None:
        community_id = session.scalar(
            select(Building.community_id).join(Unit).where(Unit.id == unit_id)
        )
        only = (Unit.id == unit_id,)
    if community_id is not None:
        query = query.where(Community.id == community_id)
    communities = session.scalars(query).all()
    if community_id is not None and not communities:
        raise DomainError(community_id=_l("Unknown community."))
    now = datetime.now(UTC)
    result = RunResult(period_start=period, dry_run=dry_run)
    run = None
    if not dry_run:
        run = BillingRun(
            period_start=period,
            community_id=community_id,
            dry_run=False,
            started_at=now,
            started_by=actor,
        )
        session.add(run)
        session.flush()
        result.run_id = run.id
    for community in communities:
        _bill_community(session, community, period, result, result.run_id, now, only)
    if run is not None:
        run.created, run.bills, run.skipped = result.created, result.bills, result.skipped
        run.failed, run.total = len(result.failed), result.total
        run.failures = result.failed[:MAX_LISTED_FAILURES]
        run.finished_at = datetime.now(UTC)
        session.flush()
    return result
