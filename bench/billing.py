"""Benchmark: one monthly billing run and 10,000 cashier payments on N units.

Run ``python bench/billing.py [--units N] [--payments M] [--db sqlite|postgres|both]
[--naive-sample K]``. Not a test: it prints numbers and checks them against the aims of the
billing issue (service within 2x of a hand-written ``INSERT … SELECT``, at least 20x faster than
a per-row ORM loop, memory that does not grow with N).

For each backend it builds fresh databases migrated by the app's own Alembic history (SQLite:
temporary files; PostgreSQL: a throw-away ``TempCluster`` from ``tests/postgres.py``, or the
server of ``WUYE_BENCH_POSTGRES_URL``, on which it creates and drops its own databases), fills
two of them with N/10 and N units (not measured), and then measures, every phase in a fresh
child process on a fresh copy of the filled database (so ``ru_maxrss`` is per phase and no
phase sees another's rows):

1. ``run_billing`` for one month at N/10 and N units (bill lines/s and bills/s), once untraced
   for the time and once under ``tracemalloc`` for the peak;
2. the floor: a hand-written ``INSERT … SELECT`` per community and table producing the same
   bills and lines, checked equal to the service's output (SHA-256 over every bill and line);
3. the naive loop: per unit, ORM ``Bill``/``BillLine`` objects with ``line_amount``,
   ``session.add`` and a flush, on a random sample of K units, extrapolated to N; its bills are
   checked equal to the service's for the same units. It runs with the app's audit listener
   (what an ORM write costs in this app) and once without it, for information;
4. M payments through ``record_payment``, one ``unit_of_work()`` (commit) per payment, like
   cashiers, on the database billed by the service; then ``verify_ledger`` must find nothing.
"""

import argparse
import hashlib
import multiprocessing
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("WUYE_SECRET_KEY", "bench-only-secret-key-of-at-least-32-bytes")

PERIOD = date(2026, 10, 1)  # quarterly tariffs from January start a cycle in October
COMMUNITIES = 4
UNITS_PER_BUILDING = 200
AIM_FLOOR, AIM_NAIVE, AIM_FLAT = 2.0, 20.0, 2.0
MiB = 1024 * 1024


# --------------------------------------------------------------------------- child processes


def in_child(function, *args):
    """Run ``function(*args)`` in a fresh (spawned) interpreter and return its result."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _app(url: str):
    from app.factory import create_app

    files = tempfile.mkdtemp(prefix="wuye-bench-files-")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WUYE_FILES_DIR": files,
            "RATELIMIT_ENABLED": False,
        }
    )


class Measure:
    """Wall time, tracemalloc peak (if traced) and ru_maxrss around one phase."""

    def __init__(self, traced: bool):
        self.traced = traced

    def __enter__(self):
        self.rss_before = _rss_mib()
        if self.traced:
            tracemalloc.start()
            tracemalloc.reset_peak()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.peak = tracemalloc.get_traced_memory()[1] if self.traced else None
        if self.traced:
            tracemalloc.stop()
        self.rss_after = _rss_mib()
        return False

    def report(self) -> dict:
        return {
            "seconds": self.seconds,
            "traced_peak": self.peak,
            "rss_before": self.rss_before,
            "rss_after": self.rss_after,
        }


# --------------------------------------------------------------------------- the data


def _unit_row(i: int, building_id: int) -> dict:
    j = i % UNITS_PER_BUILDING
    kind = {7: "commercial", 13: "parking"}.get(i % 20, "residential")
    if kind == "parking":
        area = Decimal(1000 + i % 500) / 100
    else:
        area = Decimal(4500 + (i * 7919) % 15000) / 100
    return {
        "id": i + 1,
        "building_id": building_id,
        "code": f"{j // 4 + 1:02d}{j % 4 + 1:02d}",
        "property_type": kind,
        "area": area,
        "status": "occupied",
    }


def _tariffs(community_id: int) -> list[dict]:
    common = {
        "community_id": community_id,
        "valid_from": date(2026, 1, 1),
        "valid_to": None,
        "published_on": None,
        "late_fee_daily_rate": Decimal("0.0005"),
        "late_fee_grace_days": 0,
        "late_fee_cap_ratio": Decimal("1"),
    }
    prices = ("1.8765", "2.3456", "2.8000", "3.1415")
    return [
        {
            **common,
            "code": "WYF",
            "name": "物业服务费",
            "fee_kind": "property",
            "basis": "area",
            "price": Decimal(prices[community_id % 4]),
            "cycle_months": 1,
            "property_types": "residential,commercial",
            "due_days": 30,
        },
        {
            **common,
            "code": "GGF",
            "name": "公共能耗分摊",
            "fee_kind": "utility",
            "basis": "fixed",
            "price": Decimal("15.50") + community_id,
            "cycle_months": 3,
            "property_types": "residential,commercial,parking",
            "due_days": 15,
        },
    ]


def _generate(connection, n: int) -> dict:
    """Insert N units with buildings, owners, ownerships and tariffs (Core, no audit rows).

    Every 1000th unit has no owner (a listed failure); every 20th changed owners before the
    period (a closed ownership); every 50th changes owners after the period start (the
    previous owner pays).
    """
    from app.models import Building, Community, Owner, Ownership, Tariff, Unit

    def chunks(rows, size=10_000):
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    buildings = -(-n // UNITS_PER_BUILDING)
    connection.execute(
        Community.__table__.insert(),
        [
            {
                "id": c,
                "code": f"C{c}",
                "name": f"小区{c}",
                "address": f"测试路 {c} 号",
                "phone": "",
                "payee_name": "",
                "payee_bank": "",
                "payee_account": "",
                "payment_instructions": "",
            }
            for c in range(1, COMMUNITIES + 1)
        ],
    )
    community_of = {b + 1: b % COMMUNITIES + 1 for b in range(buildings)}
    connection.execute(
        Building.__table__.insert(),
        [
            {
                "id": b,
                "community_id": c,
                "code": str((b - 1) // COMMUNITIES + 1),
                "name": f"{(b - 1) // COMMUNITIES + 1}号楼",
            }
            for b, c in community_of.items()
        ],
    )
    for batch in chunks(_unit_row(i, i // UNITS_PER_BUILDING + 1) for i in range(n)):
        connection.execute(Unit.__table__.insert(), batch)

    def owner(owner_id, community_id):
        return {
            "id": owner_id,
            "community_id": community_id,
            "name": f"业主{owner_id}",
            "phone": f"138{owner_id:08d}",
            "email": "",
            "id_number": "",
            "customer_type": "owner",
            "preferred_channel": "sms",
            "e_notice_consent": False,
            "notes": "",
        }

    extra = n
    owners, ownerships = [], []
    for i in range(n):
        unit_id, community_id = i + 1, community_of[i // UNITS_PER_BUILDING + 1]
        owners.append(owner(unit_id, community_id))
        if i % 1000 == 999:
            continue
        if i % 20 == 3:
            extra += 1
            owners.append(owner(extra, community_id))
            ownerships.append((unit_id, extra, date(2018, 6, 1), date(2023, 12, 31)))
            ownerships.append((unit_id, unit_id, date(2024, 1, 1), None))
        elif i % 50 == 11:
            extra += 1
            owners.append(owner(extra, community_id))
            ownerships.append((unit_id, extra, date(2024, 1, 1), PERIOD + timedelta(days=13)))
            ownerships.append((unit_id, unit_id, PERIOD + timedelta(days=14), None))
        else:
            ownerships.append((unit_id, unit_id, date(2024, 1, 1), None))
    for batch in chunks(owners):
        connection.execute(Owner.__table__.insert(), batch)
    rows = (
        {"id": k, "unit_id": u, "owner_id": o, "start_date": s, "end_date": e}
        for k, (u, o, s, e) in enumerate(ownerships, start=1)
    )
    for batch in chunks(rows):
        connection.execute(Ownership.__table__.insert(), batch)
    tariffs = [t for c in range(1, COMMUNITIES + 1) for t in _tariffs(c)]
    connection.execute(
        Tariff.__table__.insert(), [{"id": k, **t} for k, t in enumerate(tariffs, start=1)]
    )
    if connection.dialect.name == "postgresql":
        from sqlalchemy import text

        for table in ("community", "building", "unit", "owner", "ownership", "tariff"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    return {"units": n, "owners": len(owners), "ownerships": len(ownerships)}


def phase_prepare(url: str, n: int) -> dict:
    """Migrate a fresh database with the app's Alembic history and fill it."""
    import logging

    import flask_migrate
    from sqlalchemy import text

    from app.extensions import db

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        logging.disable(logging.INFO)  # Alembic's "Running upgrade …" lines
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        migrated = time.perf_counter()
        with db.engine.begin() as connection:
            counts = _generate(connection, n)
        if db.engine.dialect.name == "postgresql":
            # what autovacuum would have done by the time of a monthly run
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return {
        **counts,
        "migrate_s": migrated - started,
        "generate_s": time.perf_counter() - migrated,
    }


# --------------------------------------------------------------------------- (1) the service


class Deadline:
    """Cancel the statement running on ``session``'s connection once ``seconds`` have passed
    (and keep cancelling until stopped: a cancel between two statements is a no-op)."""

    def __init__(self, session, seconds: float | None):
        self.seconds = seconds
        self.fired = False
        self._stop = threading.Event()
        raw = session.connection().connection.dbapi_connection
        self._cancel = raw.interrupt if hasattr(raw, "interrupt") else raw.cancel

    def _watch(self):
        if self._stop.wait(self.seconds):
            return
        while not self._stop.is_set():
            self.fired = True
            self._cancel()
            self._stop.wait(0.5)

    def __enter__(self):
        if self.seconds:
            threading.Thread(target=self._watch, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        return False


def phase_service(url: str, traced: bool, timeout: float | None = None) -> dict:
    from app.audit import acting_as
    from app.extensions import db, unit_of_work
    from app.services.billing import run_billing

    app = _app(url)
    out, deadline = {"timed_out": False}, None
    with app.app_context(), acting_as("bench"):
        try:
            with Measure(traced) as measure:
                with unit_of_work() as session, Deadline(session, timeout) as deadline:
                    result = run_billing(session, PERIOD, actor="bench")
        except Exception:
            if deadline is None or not deadline.fired:
                raise
            out["timed_out"] = True
        else:
            out.update(
                bills=result.bills,
                lines=result.created,
                failed=len(result.failed),
                total=str(result.total),
            )
        out.update(measure.report())
        db.session.remove()
        db.engine.dispose()
    return out


# --------------------------------------------------------------------------- (2) the floor


def _floor(session, period: date, now: datetime) -> tuple[int, int]:
    """The same bills and lines as ``run_billing`` on an empty period, written the shortest way:
    per community one ``INSERT … SELECT`` for the bills (totals computed inline, numbers from
    the ids it assigns) and one per tariff for the lines. No idempotency checks, no previews,
    no failure list, no credit: only the rows."""
    from sqlalchemy import (
        BigInteger,
        Boolean,
        Numeric,
        String,
        and_,
        case,
        cast,
        func,
        insert,
        literal,
        or_,
        select,
        text,
    )

    from app.domain.money import line_amount
    from app.domain.periods import cycle_starts, due_date, period_end
    from app.models import Bill, BillingRun, BillLine, Building, Community, Ownership, Tariff, Unit

    run_id = session.execute(
        insert(BillingRun)
        .values(
            period_start=period,
            community_id=None,
            dry_run=False,
            started_at=now,
            started_by="floor",
            created=0,
            skipped=0,
            failed=0,
            bills=0,
            total=0,
            failures=[],
        )
        .returning(BillingRun.id)
    ).scalar_one()
    money = Numeric(14, 2)
    cent = literal(Decimal("0.01"), money)
    bills = lines = 0
    for community in session.scalars(select(Community).order_by(Community.code)):
        tariffs = [
            t
            for t in session.scalars(select(Tariff).where(Tariff.community_id == community.id))
            if t.valid_from <= period
            and (t.valid_to is None or t.valid_to >= period)
            and cycle_starts(t.valid_from, t.cycle_months, period)
        ]
        if not tariffs:
            continue

        def fen(t):  # line_amount in whole fen: centi-m2 x price x 10^4 x months, half up
            if t.basis == "area":
                area_fen = cast(func.round(Unit.area * 100), BigInteger)
                return (area_fen * int(t.price * 10000) * t.cycle_months + 5000) // 10000
            return literal(int(line_amount("fixed", t.price, Decimal(0), t.cycle_months) * 100))

        kinds = sorted({k for t in tariffs for k in t.property_type_list})
        total_fen = sum(
            case((Unit.property_type.in_(t.property_type_list), fen(t)), else_=0) for t in tariffs
        )
        ends = {
            k: max(period_end(period, t.cycle_months) for t in tariffs if k in t.property_type_list)
            for k in kinds
        }
        dues = {
            k: min(due_date(period, t.due_days) for t in tariffs if k in t.property_type_list)
            for k in kinds
        }
        base = session.scalar(select(func.coalesce(func.max(Bill.id), 0)))
        new_id = base + func.row_number().over(order_by=Unit.id)
        amount = total_fen * cent
        rows = (
            select(
                new_id,
                literal(f"{community.code}-{period:%Y%m}-") + cast(new_id, String),
                literal(community.id),
                Unit.id,
                Ownership.owner_id,
                literal(run_id),
                literal(period),
                case(ends, value=Unit.property_type),
                case(dues, value=Unit.property_type),
                amount,
                literal(0, money),
                literal(0, money),
                literal(0, money),
                literal(0, money),
                amount,
                literal("open"),
                literal(now, Bill.issued_at.type),
            )
            .select_from(Unit)
            .join(Building, Building.id == Unit.building_id)
            .join(
                Ownership,
                and_(
                    Ownership.unit_id == Unit.id,
                    Ownership.start_date <= period,
                    or_(Ownership.end_date.is_(None), Ownership.end_date >= period),
                ),
            )
            .where(Building.community_id == community.id, Unit.property_type.in_(kinds))
        )
        session.execute(
            insert(Bill).from_select(
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
                    "late_fee_waived",
                    "balance",
                    "status",
                    "issued_at",
                ],
                rows,
                include_defaults=False,
            )
        )
        bills += session.scalar(
            select(func.count()).where(Bill.run_id == run_id, Bill.community_id == community.id)
        )
        for t in tariffs:
            rows = (
                select(
                    Bill.id,
                    literal(t.id),
                    Unit.id,
                    literal(period),
                    literal(period_end(period, t.cycle_months)),
                    literal(t.fee_kind),
                    literal(t.name),
                    literal(t.basis),
                    Unit.area if t.basis == "area" else literal(None, Numeric(12, 2)),
                    literal(t.price, Numeric(14, 4)),
                    literal(t.cycle_months),
                    fen(t) * cent,
                    literal(False, Boolean),
                )
                .select_from(Bill)
                .join(Unit, Unit.id == Bill.unit_id)
                .where(
                    Bill.run_id == run_id,
                    Bill.community_id == community.id,
                    Unit.property_type.in_(t.property_type_list),
                )
            )
            session.execute(
                insert(BillLine).from_select(
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
                    rows,
                    include_defaults=False,
                )
            )
    lines = session.scalar(
        select(func.count()).select_from(BillLine).join(Bill).where(Bill.run_id == run_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('bill', 'id'), (SELECT max(id) FROM bill))")
        )
    return bills, lines


def phase_floor(url: str) -> dict:
    from app.extensions import db, unit_of_work

    app = _app(url)
    with app.app_context():
        with Measure(False) as measure:
            with unit_of_work() as session:
                bills, lines = _floor(session, PERIOD, datetime.now(UTC))
        db.session.remove()
        db.engine.dispose()
    return {**measure.report(), "bills": bills, "lines": lines}


# --------------------------------------------------------------------------- (3) naive loop


def _naive(session, unit_ids: list[int], period: date, now: datetime) -> tuple[int, int]:
    """Bill ``unit_ids`` one by one with ORM objects: the loop the service replaces."""
    from sqlalchemy import select

    from app.domain.money import line_amount
    from app.domain.periods import cycle_starts, due_date, period_end
    from app.models import Bill, BillingRun, BillLine, Tariff, Unit

    run = BillingRun(
        period_start=period, community_id=None, dry_run=False, started_at=now, started_by="naive"
    )
    session.add(run)
    session.flush()
    tariffs_of = {}
    bills = lines = 0
    for unit in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id)):
        community = unit.building.community
        if community.id not in tariffs_of:
            tariffs_of[community.id] = [
                t
                for t in session.scalars(select(Tariff).where(Tariff.community_id == community.id))
                if t.valid_from <= period
                and (t.valid_to is None or t.valid_to >= period)
                and cycle_starts(t.valid_from, t.cycle_months, period)
            ]
        mine = [t for t in tariffs_of[community.id] if unit.property_type in t.property_type_list]
        payer = next(
            (
                o
                for o in unit.ownerships
                if o.start_date <= period and (o.end_date is None or o.end_date >= period)
            ),
            None,
        )
        if not mine or payer is None:
            continue
        if session.scalar(
            select(Bill.id).where(
                Bill.unit_id == unit.id, Bill.period_start == period, Bill.status != "cancelled"
            )
        ):
            continue
        new_lines = [
            BillLine(
                tariff=t,
                unit_id=unit.id,
                period_start=period,
                period_end=period_end(period, t.cycle_months),
                fee_kind=t.fee_kind,
                name=t.name,
                basis=t.basis,
                area=unit.area if t.basis == "area" else None,
                price=t.price,
                months=t.cycle_months,
                amount=line_amount(t.basis, t.price, unit.area, t.cycle_months),
                cancelled=False,
            )
            for t in mine
        ]
        total = sum(line.amount for line in new_lines)
        zero = Decimal("0.00")
        bill = Bill(
            number=f"pending-{run.id}-{unit.id}",
            community=community,
            unit=unit,
            owner_id=payer.owner_id,
            run=run,
            period_start=period,
            period_end=max(line.period_end for line in new_lines),
            due_date=min(due_date(period, t.due_days) for t in mine),
            total=total,
            paid=zero,
            waived=zero,
            late_fee=zero,
            late_fee_waived=zero,
            balance=total,
            status="open",
            issued_at=now,
            lines=new_lines,
        )
        session.add(bill)
        session.flush()
        bill.number = f"{community.code}-{period:%Y%m}-{bill.id}"
        session.flush()
        bills += 1
        lines += len(new_lines)
    return bills, lines


def phase_naive(url: str, unit_ids: list[int], audit: bool) -> dict:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app import audit as audit_module
    from app.audit import acting_as
    from app.extensions import db, unit_of_work

    app = _app(url)
    if not audit:
        event.remove(Session, "after_flush", audit_module._after_flush)
    with app.app_context(), acting_as("bench"):
        with Measure(False) as measure:
            with unit_of_work() as session:
                bills, lines = _naive(session, unit_ids, PERIOD, datetime.now(UTC))
        db.session.remove()
        db.engine.dispose()
    return {**measure.report(), "bills": bills, "lines": lines, "sample": len(unit_ids)}


# --------------------------------------------------------------------------- (4) payments


def _payment_plan(session, m: int, seed: int = 7) -> list[tuple]:
    """M payments on distinct billed units: 70% pay the bill, 15% half of it, 10% too much
    (credit), 5% pay it 35 days late (a late fee is posted). Most carry a platform reference."""
    from sqlalchemy import select

    from app.models import Bill

    bills = session.execute(
        select(Bill.unit_id, Bill.balance, Bill.due_date)
        .where(Bill.status == "open")
        .order_by(Bill.unit_id)
    ).all()
    rng = random.Random(seed)
    chosen = rng.sample(bills, m) if m <= len(bills) else [rng.choice(bills) for _ in range(m)]
    methods = ("wechat", "alipay", "bank_transfer", "cash", "card")
    on_time = datetime(PERIOD.year, PERIOD.month, 10, 2, 0, tzinfo=UTC)
    plan = []
    for k, (unit_id, balance, due) in enumerate(chosen):
        draw = rng.random()
        paid_at = on_time
        if draw < 0.70:
            amount = balance
        elif draw < 0.85:
            amount = max((balance / 2).quantize(Decimal("0.01")), Decimal("0.01"))
        elif draw < 0.95:
            amount = balance + 50
        else:
            amount = balance + 10
            paid_at = datetime.combine(due + timedelta(days=35), datetime.min.time(), UTC)
        method = methods[k % len(methods)]
        reference = None if method == "cash" else f"BENCH-{method}-{k:07d}"
        plan.append((unit_id, str(amount), method, reference, paid_at))
    return plan


def phase_payments(url: str, m: int) -> dict:
    from sqlalchemy import func, select

    from app.audit import acting_as
    from app.extensions import db, unit_of_work
    from app.models import Allocation, Payment, Receipt
    from app.services.accounts import verify_ledger
    from app.services.payments import record_payment

    app = _app(url)
    with app.app_context(), acting_as("bench"):
        plan = _payment_plan(db.session, m)
        db.session.remove()
        latencies = []
        with Measure(False) as measure:
            for unit_id, amount, method, reference, paid_at in plan:
                started = time.perf_counter()
                with unit_of_work() as session:
                    record_payment(
                        session, unit_id, amount, method, reference, paid_at, actor="bench"
                    )
                latencies.append(time.perf_counter() - started)
        session = db.session
        problems = verify_ledger(session)
        counts = {
            "payments": session.scalar(select(func.count()).select_from(Payment)),
            "receipts": session.scalar(select(func.count()).select_from(Receipt)),
            "allocations": session.scalar(select(func.count()).select_from(Allocation)),
        }
        db.session.remove()
        db.engine.dispose()
    tenth = max(len(latencies) // 10, 1)
    ordered = sorted(latencies)
    return {
        **measure.report(),
        **counts,
        "ledger_problems": len(problems),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": 1000 * ordered[-1],
        "first_tenth_ms": 1000 * statistics.mean(latencies[:tenth]),
        "last_tenth_ms": 1000 * statistics.mean(latencies[-tenth:]),
    }


# --------------------------------------------------------------------------- checks


def _norm(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.0001")))
    if isinstance(value, float):
        return str(Decimal(repr(value)).quantize(Decimal("0.0001")))
    if isinstance(value, bool):
        return int(value)
    return value


def phase_digest(url: str, unit_ids: list[int] | None = None) -> dict:
    """SHA-256 over the content of every bill and line of the period (ids, numbers and
    timestamps left out), in unit order; and the count of bill numbers not ``CODE-YYYYMM-id``.
    With ``unit_ids``, only those units."""
    from sqlalchemy import String, cast, func, select

    from app.extensions import db
    from app.models import Bill, BillLine, Community

    app = _app(url)
    out = {}
    with app.app_context():
        session = db.session
        only = [Bill.unit_id.in_(unit_ids)] if unit_ids is not None else []
        digest, count, total = hashlib.sha256(), 0, Decimal(0)
        bill_rows = session.execute(
            select(
                Bill.unit_id,
                Bill.community_id,
                Bill.owner_id,
                Bill.period_start,
                Bill.period_end,
                Bill.due_date,
                Bill.total,
                Bill.paid,
                Bill.waived,
                Bill.late_fee,
                Bill.late_fee_waived,
                Bill.balance,
                Bill.status,
            )
            .where(Bill.period_start == PERIOD, *only)
            .order_by(Bill.unit_id)
            .execution_options(yield_per=5000)
        )
        for row in bill_rows:
            digest.update(repr(tuple(_norm(v) for v in row)).encode())
            count += 1
            total += row.total
        out["bills"], out["bills_sha256"], out["bills_total"] = count, digest.hexdigest(), total
        digest, count = hashlib.sha256(), 0
        line_rows = session.execute(
            select(
                BillLine.unit_id,
                Bill.unit_id,
                BillLine.tariff_id,
                BillLine.period_start,
                BillLine.period_end,
                BillLine.fee_kind,
                BillLine.name,
                BillLine.basis,
                BillLine.area,
                BillLine.price,
                BillLine.months,
                BillLine.amount,
                BillLine.cancelled,
            )
            .join(Bill, Bill.id == BillLine.bill_id)
            .where(Bill.period_start == PERIOD, *only)
            .order_by(BillLine.unit_id, BillLine.tariff_id)
            .execution_options(yield_per=5000)
        )
        for row in line_rows:
            digest.update(repr(tuple(_norm(v) for v in row)).encode())
            count += 1
        out["lines"], out["lines_sha256"] = count, digest.hexdigest()
        expected = Community.code + "-" + PERIOD.strftime("%Y%m") + "-" + cast(Bill.id, String)
        out["bad_numbers"] = session.scalar(
            select(func.count())
            .select_from(Bill)
            .join(Community)
            .where(Bill.period_start == PERIOD, Bill.number != expected, *only)
        )
        db.session.remove()
        db.engine.dispose()
    return out


# --------------------------------------------------------------------------- backends


class SqliteBackend:
    name = "SQLite"

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="wuye-bench-sqlite-"))

    def describe(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (file in {self.dir}, default pragmas)"

    def fresh(self, name: str) -> str:
        return f"sqlite:///{self.dir / name}.db"

    def clone(self, url: str, name: str) -> str:
        target = self.fresh(name)
        shutil.copyfile(url.removeprefix("sqlite:///"), target.removeprefix("sqlite:///"))
        return target

    def drop(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresBackend:
    name = "PostgreSQL"

    def __init__(self):
        from tests.postgres import TempCluster, find_bindir

        self.cluster = None
        self.server = os.environ.get("WUYE_BENCH_POSTGRES_URL")
        if not self.server:
            bindir = find_bindir()
            if bindir is None:
                raise RuntimeError(
                    "no PostgreSQL under /usr/lib/postgresql and no WUYE_BENCH_POSTGRES_URL"
                )
            self.cluster = TempCluster(bindir)
            self.server = self.cluster.start()
        self.prefix = f"wuye_bench_{os.getpid()}_"
        self.created = []

    def describe(self) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.server)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
            settings = {
                k: connection.execute(text(f"SHOW {k}")).scalar()
                for k in ("fsync", "synchronous_commit", "shared_buffers")
            }
        engine.dispose()
        where = "throw-away TempCluster" if self.cluster else "WUYE_BENCH_POSTGRES_URL"
        return (
            f"PostgreSQL {version} ({where}; "
            + ", ".join(f"{k}={v}" for k, v in settings.items())
            + ")"
        )

    def _create(self, name: str, template: str | None = None) -> str:
        from tests.postgres import create_database

        for attempt in range(20):  # a template still closing its last connection
            try:
                url = create_database(self.server, self.prefix + name, template)
                self.created.append(url)
                return url
            except Exception as error:  # noqa: BLE001
                if "being accessed by other users" not in str(error) or attempt == 19:
                    raise
                time.sleep(0.5)
        raise AssertionError

    def fresh(self, name: str) -> str:
        return self._create(name)

    def clone(self, url: str, name: str) -> str:
        from sqlalchemy import make_url

        return self._create(name, make_url(url).database)

    def drop(self, url: str) -> None:
        from tests.postgres import drop_database

        drop_database(url)
        if url in self.created:
            self.created.remove(url)

    def close(self) -> None:
        try:
            for url in list(self.created):
                self.drop(url)
        finally:
            if self.cluster is not None:
                self.cluster.stop()


# --------------------------------------------------------------------------- driver


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_backend(backend, n: int, m: int, k: int, timeout: float | None) -> dict:
    sizes = sorted({max(n // 10, 1), n})
    res = {
        "backend": backend.describe(),
        "sizes": sizes,
        "service": {},
        "traced": {},
        "floor": {},
        "checks": {},
        "prepare": {},
        "timeout": timeout,
    }
    templates, billed, floors = {}, {}, {}
    for size in sizes:
        log(f"{backend.name}: migrating and filling {size:,} units")
        templates[size] = backend.fresh(f"filled_{size}")
        res["prepare"][size] = in_child(phase_prepare, templates[size], size)
    for size in sizes:
        log(f"{backend.name}: run_billing on {size:,} units (timed)")
        billed[size] = backend.clone(templates[size], f"service_{size}")
        res["service"][size] = in_child(phase_service, billed[size], False, timeout)
        log(f"{backend.name}: run_billing on {size:,} units (tracemalloc)")
        url = backend.clone(templates[size], f"traced_{size}")
        res["traced"][size] = in_child(phase_service, url, True, timeout)
        backend.drop(url)
        log(f"{backend.name}: floor on {size:,} units")
        floors[size] = backend.clone(templates[size], f"floor_{size}")
        res["floor"][size] = in_child(phase_floor, floors[size])
        if not res["service"][size]["timed_out"]:
            mine, theirs = (
                in_child(phase_digest, billed[size]),
                in_child(phase_digest, floors[size]),
            )
            res["checks"][f"service = floor (N={size:,})"] = (
                mine == theirs and mine["bad_numbers"] == 0,
                mine,
                theirs,
            )
    reference = billed[n] if not res["service"][n]["timed_out"] else floors[n]
    what = "service" if reference == billed[n] else "floor"
    sample = sorted(random.Random(3).sample(range(1, n + 1), min(k, n)))
    for audit in (True, False):
        label = "with audit" if audit else "no audit"
        log(f"{backend.name}: naive ORM loop, {len(sample):,} sampled units ({label})")
        url = backend.clone(templates[n], f"naive_{int(audit)}")
        res[f"naive_{int(audit)}"] = in_child(phase_naive, url, sample, audit)
        if audit:
            mine = in_child(phase_digest, reference, sample)
            theirs = in_child(phase_digest, url, sample)
            res["checks"][f"{what} = naive ({len(sample):,} units)"] = (
                mine == theirs and mine["bad_numbers"] == 0,
                mine,
                theirs,
            )
        backend.drop(url)
    if m:
        log(f"{backend.name}: {m:,} payments through record_payment, one commit each")
        res["payments"] = in_child(phase_payments, reference, m)
        res["payments"]["on"] = what
        res["checks"]["ledger consistent after payments"] = (
            res["payments"]["ledger_problems"] == 0,
            None,
            None,
        )
    return res


def _rate(count, seconds, bound=False):
    if not seconds or count is None:
        return "-"
    return f"{'<' if bound else ''}{count / seconds:,.0f}"


def report(res: dict, n: int, m: int) -> tuple[str, dict]:
    out = []
    p = out.append
    sizes, big, small = res["sizes"], res["sizes"][-1], res["sizes"][0]
    p(f"### {res['backend']}")
    p("")
    prep = res["prepare"][big]
    p(
        f"Data: {big:,} units in {COMMUNITIES} communities ({-(-big // UNITS_PER_BUILDING):,} "
        f"buildings), {prep['owners']:,} owners, {prep['ownerships']:,} ownerships, 2 tariffs per "
        f"community (area monthly, fixed quarterly); period {PERIOD:%Y-%m}; 1 unit in 1,000 has no "
        f"paying owner. Migrate {prep['migrate_s']:.1f} s, fill {prep['generate_s']:.1f} s "
        f"(not measured)."
    )
    p("")
    header = (
        f"{'phase':<48} {'units':>8} {'bills':>8} {'lines':>8} {'seconds':>9} "
        f"{'lines/s':>9} {'bills/s':>9}"
    )
    p("```")
    p(header)
    p("-" * len(header))

    def row(label, units, r, expected):
        if r.get("timed_out"):
            p(
                f"{label:<48} {units:>8,} {'-':>8} {'-':>8} {'>' + format(r['seconds'], '.0f'):>9} "
                f"{_rate(expected['lines'], r['seconds'], True):>9} "
                f"{_rate(expected['bills'], r['seconds'], True):>9}  stopped (--phase-timeout)"
            )
        else:
            p(
                f"{label:<48} {units:>8,} {r['bills']:>8,} {r['lines']:>8,} {r['seconds']:>9.2f} "
                f"{_rate(r['lines'], r['seconds']):>9} {_rate(r['bills'], r['seconds']):>9}"
            )

    for size in sizes:
        row(f"run_billing (service), N={size:,}", size, res["service"][size], res["floor"][size])
        row(f"floor: hand-written INSERT…SELECT, N={size:,}", size, res["floor"][size], None)
    for key, label in (
        ("naive_1", "naive ORM loop, audit listener on (as the app)"),
        ("naive_0", "naive ORM loop, audit listener removed"),
    ):
        r = res[key]
        factor = big / r["sample"]
        row(f"{label}", r["sample"], r, None)
        p(
            f"{'  -> extrapolated to N (x' + format(factor, '.0f') + ')':<48} {big:>8,} "
            f"{r['bills'] * factor:>8,.0f} {r['lines'] * factor:>8,.0f} "
            f"{r['seconds'] * factor:>9.1f}  (extrapolated, same rates)"
        )
    p("```")
    p("")
    if "payments" in res:
        pay = res["payments"]
        p("```")
        p(
            f"payments: {m:,} x record_payment, one unit_of_work (commit) each, on the N={big:,} "
            f"database billed by the {pay['on']}"
        )
        p(
            f"  {pay['seconds']:.1f} s = {m / pay['seconds']:,.0f} payments/s; latency p50 "
            f"{pay['p50_ms']:.1f} ms, p95 {pay['p95_ms']:.1f} ms, max {pay['max_ms']:.1f} ms; "
            f"mean of the first tenth {pay['first_tenth_ms']:.1f} ms, of the last tenth "
            f"{pay['last_tenth_ms']:.1f} ms"
        )
        p(
            f"  {pay['payments']:,} payments, {pay['receipts']:,} receipts, "
            f"{pay['allocations']:,} allocations; verify_ledger problems: "
            f"{pay['ledger_problems']}; child ru_maxrss {pay['rss_after']:.0f} MiB "
            f"(+{pay['rss_after'] - pay['rss_before']:.0f} MiB during the payments)"
        )
        p("```")
        p("")
    service, floor = res["service"][big], res["floor"][big]
    stopped = service["timed_out"]
    ratio_floor = service["seconds"] / floor["seconds"]
    naive_n = res["naive_1"]["seconds"] * big / res["naive_1"]["sample"]
    naive_n0 = res["naive_0"]["seconds"] * big / res["naive_0"]["sample"]
    ratio_naive = naive_n / service["seconds"]
    ratio_naive0 = naive_n0 / service["seconds"]
    t_small, t_big = res["traced"][small], res["traced"][big]
    growth = t_big["traced_peak"] / t_small["traced_peak"]
    p("```")
    p("memory of run_billing (own child process, tracemalloc on; ru_maxrss of the child):")
    for size in sizes:
        r = res["traced"][size]
        note = " (stopped: peak so far)" if r["timed_out"] else ""
        p(
            f"  N={size:>9,}: {r['seconds']:7.2f} s traced, tracemalloc peak "
            f"{r['traced_peak'] / MiB:7.2f} MiB, ru_maxrss {r['rss_after']:4.0f} MiB "
            f"(+{r['rss_after'] - r['rss_before']:.1f} MiB during the run){note}"
        )
    p(f"  N x{big / small:.0f} -> tracemalloc peak x{growth:.2f}")
    p("")
    sign = ">" if stopped else ""
    if not stopped:
        naive_ok = ratio_naive >= AIM_NAIVE
    else:
        naive_ok = False if ratio_naive < AIM_NAIVE else None
    if not t_big["timed_out"]:
        flat_ok = growth < AIM_FLAT
    else:
        flat_ok = False if growth >= AIM_FLAT else None
    aims = {
        "service <= 2x floor": (
            ratio_floor <= AIM_FLOOR and not stopped,
            f"service/floor = {sign}{service['seconds']:.2f} s / {floor['seconds']:.2f} s = "
            f"{sign}{ratio_floor:.2f}x",
        ),
        "service >= 20x faster than naive": (
            naive_ok,
            f"naive/service = {naive_n:.1f} s (extrapolated) / {sign}{service['seconds']:.2f} s "
            f"= {'<' if stopped else ''}{ratio_naive:.1f}x ({ratio_naive0:.1f}x against the "
            f"naive loop without the audit listener)",
        ),
        "memory flat in N": (
            flat_ok,
            f"tracemalloc peak x{growth:.2f} for N x{big / small:.0f} (aim: < x{AIM_FLAT:.0f})",
        ),
    }
    verdict = {True: "PASS", False: "FAIL", None: "????"}
    for aim, (ok, detail) in aims.items():
        p(f"  [{verdict[ok]}] {aim:<33} {detail}")
    for check, (ok, mine, theirs) in res["checks"].items():
        extra = ""
        if mine is not None:
            extra = (
                f"bills {mine['bills']:,} (total {mine['bills_total']}), lines "
                f"{mine['lines']:,}, sha256 {mine['lines_sha256'][:12]}…"
            )
            if not ok:
                extra += (
                    f" vs bills {theirs['bills']:,} (total {theirs['bills_total']}), "
                    f"lines {theirs['lines']:,}, sha256 {theirs['lines_sha256'][:12]}…"
                )
        p(f"  [{'same' if ok else 'DIFF'}] {check:<33} {extra}")
    p("```")
    digest = next(
        (
            mine
            for c, (ok, mine, _t) in res["checks"].items()
            if c.startswith("service = floor (N=" + format(big, ","))
        ),
        None,
    )
    return "\n".join(out), {
        "digest": (digest["bills_sha256"], digest["lines_sha256"]) if digest else None,
        "aims": {a: ok for a, (ok, _d) in aims.items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument(
        "--phase-timeout",
        type=float,
        default=900,
        help="stop a billing run after this many seconds (0: never)",
    )
    args = parser.parse_args(argv)
    n, m, k = args.units, args.payments, args.naive_sample
    started = time.perf_counter()
    print(f"## python bench/billing.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    print("")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}); Python {platform.python_version()}; "
        f"{platform.platform()}"
    )
    print("")
    kinds = {
        "sqlite": [SqliteBackend],
        "postgres": [PostgresBackend],
        "both": [SqliteBackend, PostgresBackend],
    }[args.db]
    summaries = {}
    for kind in kinds:
        backend = kind()
        try:
            res = bench_backend(backend, n, m, k, args.phase_timeout or None)
        finally:
            backend.close()
        text, summary = report(res, n, m)
        summaries[backend.name] = summary
        print(text)
        print("", flush=True)
    digests = [s["digest"] for s in summaries.values() if s["digest"]]
    if len(digests) == 2:
        print(
            f"SQLite and PostgreSQL bills identical: {'yes' if digests[0] == digests[1] else 'NO'}"
        )
    print(f"total wall time {time.perf_counter() - started:.0f} s")
    return 0 if all(all(s["aims"].values()) for s in summaries.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
