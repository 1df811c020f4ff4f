"""Building a billing run's bills (docs/domain.md §3): the tariffs whose cycle starts in the
period's month, the SQL conditions selecting the units to bill and the bills still open to new
lines, and the statements that write them: one ``INSERT … SELECT`` for the missing bills
(written once, with their number and total), one per tariff for the missing lines, and one
``UPDATE`` for the totals of older open bills that gained a line. The line formula of
``app.domain.money.line_amount`` is computed in integers (centi-m² × 1/10000 yuan), so SQLite's
floating point never rounds a fen differently from ``Decimal``. The run itself is
``app.services.billing``.
"""

from datetime import date
from decimal import Decimal

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
from app.domain.money import line_amount, to_fen
from app.domain.periods import cycle_starts, due_date, period_end
from app.models import Bill, BillLine, Building, Community, Ownership, Tariff, Unit
from app.models.types import BillKind, BillStatus

CENT = literal(Decimal("0.01"), Numeric(14, 2))


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


def covers(period: date):
    return and_(
        Ownership.unit_id == Unit.id,
        Ownership.start_date <= period,
        or_(Ownership.end_date.is_(None), Ownership.end_date >= period),
    )


def live_bill(period: date, *conditions):
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


def live_line(tariff: Tariff, period: date):
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


def editable_bill():
    """A run's bill still open, unpaid and never sent: lines may still be added to it."""
    return and_(
        Bill.status == BillStatus.OPEN,
        Bill.paid == 0,
        Bill.noticed_at.is_(None),
        Bill.kind == BillKind.REGULAR,
    )


def applicable_tariffs(session: Session, community: Community, period: date) -> list[Tariff]:
    """Tariffs of ``community`` valid on ``period`` whose billing cycle starts that month."""
    tariffs = session.scalars(
        # unscoped: a billing run's tariffs of the community it bills (chosen at its edge)
        select(Tariff).where(
            Tariff.community_id == community.id,
            Tariff.valid_from <= period_end(period, 1),
            or_(Tariff.valid_to.is_(None), Tariff.valid_to >= period),
        )
    )
    return [t for t in tariffs if cycle_starts(t.valid_from, t.cycle_months, period)]


def unit_conditions(community: Community, types, only=()) -> list:
    """Conditions selecting the community's units of ``types`` (and ``only`` those)."""
    return [Building.community_id == community.id, Unit.property_type.in_(types), *only]


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


def write_bills(
    session, community, period, tariffs, candidates, missing_any, result, run_id, now, only
):
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
        .where(covers(period))
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
            *unit_conditions(community, list(by_type), only),
            exists().where(covers(period)).correlate(Unit),
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
                    editable_bill(),
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
        editable_bill(),
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
