"""Benchmark: the key figures (``app.services.kpi``) on N units with a year of bills.

Run ``python bench/kpi.py [--units N] [--db sqlite|postgres|both] [--keep DIR]``. Not a test:
it prints numbers. It builds a database migrated by the app's own Alembic history and fills it
with bulk inserts (not measured): 10 communities, N units, one bill per unit and month of 2026,
and payments that follow five habits (on time, late, half, never; 1 % of payments reversed,
0.5 % of bills with an approved waiver). Bills carry the cached ``paid``/``balance``/``status``
that the allocations give, as the services keep them.

It then times each figure company-wide and for one community, as of 31 December 2026 (best of
3), and checks the company-wide collection figures of June 2026 as of 15 July against a naive
computation in Python over every bill, allocation and waiver (they must be equal to the fen).
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("WUYE_SECRET_KEY", "bench-only-secret-key-of-at-least-32-bytes")

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMUNITIES = 10
MONTHS = [date(2026, m, 1) for m in range(1, 13)]
AS_OF = date(2026, 12, 31)
CHUNK = 20_000


def _app(url: str):
    from app.factory import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})


def _instant(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, clock(hour), SHANGHAI).astimezone(UTC)


def fill(url: str, units: int, seed: int = 2026) -> None:
    """Migrate and fill the database at ``url``."""
    import flask_migrate
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import Allocation, Bill, Building, Community, Payment, Unit, Waiver

    rng = random.Random(seed)
    app = _app(url)
    with app.app_context():
        flask_migrate.upgrade()
        conn = db.session.connection()
        now = datetime.now(UTC)
        conn.execute(
            insert(Community),
            [{"id": c, "code": f"C{c:02d}", "name": f"小区{c}"} for c in range(1, COMMUNITIES + 1)],
        )
        per_building = 100
        buildings = []
        for b in range((units + per_building - 1) // per_building):
            buildings.append({"id": b + 1, "community_id": b % COMMUNITIES + 1, "code": f"{b}"})
        conn.execute(insert(Building), buildings)
        conn.execute(
            insert(Unit),
            [
                {
                    "id": u + 1,
                    "building_id": u // per_building + 1,
                    "code": f"{u // per_building}-{u % per_building}",
                    "area": Decimal(rng.randint(5000, 15000)) / 100,
                }
                for u in range(units)
            ],
        )
        areas = {
            unit_id: Decimal(area) for unit_id, area in conn.execute(select(Unit.id, Unit.area))
        }
        bill_id = payment_id = 0
        bills, payments, allocations, waivers = [], [], [], []

        def flush():
            for model, rows in (
                (Bill, bills),
                (Payment, payments),
                (Allocation, allocations),
                (Waiver, waivers),
            ):
                if rows:
                    conn.execute(insert(model), rows)
                    rows.clear()

        for unit_id in range(1, units + 1):
            community_id = (unit_id - 1) // per_building % COMMUNITIES + 1
            habit = rng.choices(["on_time", "late", "half", "never"], [70, 15, 10, 5])[0]
            for month in MONTHS:
                bill_id += 1
                total = (areas[unit_id] * Decimal("2.5")).quantize(Decimal("0.01"))
                waived = Decimal("10.00") if rng.random() < 0.005 else Decimal("0.00")
                if waived:
                    waivers.append(
                        {
                            "community_id": community_id,
                            "bill_id": bill_id,
                            "part": "principal",
                            "amount": waived,
                            "reason": "hardship",
                            "status": "approved",
                            "requested_by": "bench",
                            "requested_at": _instant(month),
                            "decided_by": "bench",
                            "decided_at": _instant(month + timedelta(days=3)),
                        }
                    )
                paid = Decimal("0.00")
                if habit != "never":
                    delay = rng.randint(0, 25) if habit != "late" else rng.randint(40, 120)
                    amount = (
                        total - waived if habit != "half" else (total / 2).quantize(Decimal("0.01"))
                    )
                    payment_id += 1
                    paid_at = _instant(month + timedelta(days=delay))
                    payments.append(
                        {
                            "id": payment_id,
                            "community_id": community_id,
                            "unit_id": unit_id,
                            "kind": "payment",
                            "method": "wechat",
                            "amount": amount,
                            "paid_at": paid_at,
                            "recorded_at": paid_at,
                            "recorded_by": "bench",
                        }
                    )
                    allocations.append(
                        {
                            "payment_id": payment_id,
                            "bill_id": bill_id,
                            "principal": amount,
                            "late_fee": 0,
                            "applied_at": paid_at,
                        }
                    )
                    paid = amount
                    if rng.random() < 0.01:  # reversed a few days later
                        original = payment_id
                        payment_id += 1
                        undone_at = paid_at + timedelta(days=rng.randint(1, 20))
                        payments.append(
                            {
                                "id": payment_id,
                                "community_id": community_id,
                                "unit_id": unit_id,
                                "kind": "reversal",
                                "method": "wechat",
                                "amount": amount,
                                "paid_at": undone_at,
                                "recorded_at": undone_at,
                                "recorded_by": "bench",
                                "reverses_id": original,
                                "reason": "bench",
                            }
                        )
                        allocations.append(
                            {
                                "payment_id": payment_id,
                                "bill_id": bill_id,
                                "principal": -amount,
                                "late_fee": 0,
                                "applied_at": undone_at,
                            }
                        )
                        paid = Decimal("0.00")
                balance = total - waived - paid
                status = (
                    "paid"
                    if balance <= 0 and paid > 0
                    else ("waived" if balance <= 0 else ("partial" if paid > 0 else "open"))
                )
                bills.append(
                    {
                        "id": bill_id,
                        "number": f"B{bill_id}",
                        "community_id": community_id,
                        "unit_id": unit_id,
                        "period_start": month,
                        "period_end": (month + timedelta(days=32)).replace(day=1)
                        - timedelta(days=1),
                        "due_date": month + timedelta(days=30),
                        "total": total,
                        "paid": paid,
                        "waived": waived,
                        "late_fee": 0,
                        "late_fee_waived": 0,
                        "balance": balance,
                        "status": status,
                        "issued_at": now,
                    }
                )
            if len(bills) >= CHUNK:
                flush()
        flush()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum would do after the load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")


def naive_collection(url: str, period: date, as_of: date) -> tuple:
    """(billed, waived, collected, units billed, units paid) by a Python loop over every row."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Allocation, Bill, Payment, Waiver

    until = datetime.combine(as_of + timedelta(days=1), clock(), SHANGHAI).astimezone(UTC)
    with _app(url).app_context():
        s = db.session
        bills = {
            b.id: b
            for b in s.execute(
                select(Bill.id, Bill.unit_id, Bill.total).where(
                    Bill.period_start == period, Bill.status != "cancelled"
                )
            )
        }
        paid = defaultdict(Decimal)
        for bill_id, principal, paid_at in s.execute(
            select(Allocation.bill_id, Allocation.principal, Payment.paid_at).join(Payment)
        ):
            if bill_id in bills and paid_at < until:
                paid[bill_id] += Decimal(principal)
        waived = defaultdict(Decimal)
        for bill_id, amount, decided_at in s.execute(
            select(Waiver.bill_id, Waiver.amount, Waiver.decided_at).where(
                Waiver.status == "approved", Waiver.part == "principal"
            )
        ):
            if bill_id in bills and decided_at < until:
                waived[bill_id] += Decimal(amount)
        per_unit = defaultdict(lambda: [Decimal(0)] * 3)
        for b in bills.values():
            row = per_unit[b.unit_id]
            row[0] += Decimal(b.total)
            row[1] += waived[b.id]
            row[2] += paid[b.id]
        owing = [r for r in per_unit.values() if r[0] - r[1] > 0]
        q = Decimal("0.01")
        return (
            sum((r[0] for r in per_unit.values()), Decimal(0)).quantize(q),
            sum((r[1] for r in per_unit.values()), Decimal(0)).quantize(q),
            sum((r[2] for r in per_unit.values()), Decimal(0)).quantize(q),
            len(owing),
            sum(1 for r in owing if r[2] >= r[0] - r[1]),
        )


def measure(url: str) -> None:
    from app.extensions import db
    from app.services import kpi

    cases = [
        ("collection_figures", lambda s, c: kpi.collection_figures(s, "2026-12", AS_OF, c)),
        ("year_to_date", lambda s, c: kpi.year_to_date(s, "2026-12", AS_OF, c)),
        (
            "monthly_collection_rates (12 months x 2)",
            lambda s, c: kpi.monthly_collection_rates(s, "2026-12", AS_OF, c),
        ),
        ("outstanding", lambda s, c: kpi.outstanding(s, AS_OF, c)),
        (
            "collection_overview (the dashboard's)",
            lambda s, c: kpi.collection_overview(s, "2026-12", AS_OF, c),
        ),
        ("old_arrears_recovery", lambda s, c: kpi.old_arrears_recovery(s, "2026-12", AS_OF, c)),
    ]
    with _app(url).app_context():
        s = db.session
        for name, run in cases:
            timings = []
            for scope in (None, {1}):
                best = float("inf")
                for _ in range(3):
                    start = time.perf_counter()
                    run(s, scope)
                    best = min(best, time.perf_counter() - start)
                    s.rollback()
                timings.append(best)
            print(f"  {name:44s} all: {timings[0]:7.3f} s   one community: {timings[1]:7.3f} s")
        june = kpi.collection_figures(s, "2026-06", date(2026, 7, 15))
        got = (june.billed, june.waived, june.collected, june.units_billed, june.units_paid)
    expected = naive_collection(url, date(2026, 6, 1), date(2026, 7, 15))
    print(f"  June as of 15 July: {got} — naive loop {'AGREES' if got == expected else expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--keep", help="folder for the SQLite file (kept, reused if present)")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        folder = Path(args.keep or tempfile.mkdtemp(prefix="wuye-kpi-"))
        path = folder / f"kpi-{args.units}.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            start = time.perf_counter()
            fill(url, args.units)
            print(f"SQLite, {args.units:,} units: filled in {time.perf_counter() - start:.0f} s")
        print(f"SQLite, {args.units:,} units ({path.stat().st_size / 2**20:.0f} MiB):")
        measure(url)
        if not args.keep:
            shutil.rmtree(folder)
    if args.db in ("postgres", "both"):
        from tests import postgres

        server = os.environ.get("WUYE_BENCH_POSTGRES_URL")
        cluster = None
        if server is None:
            cluster = postgres.TempCluster(postgres.find_bindir())
            server = cluster.start()
        try:
            url = postgres.create_database(server)
            start = time.perf_counter()
            fill(url, args.units)
            filled = time.perf_counter() - start
            print(f"PostgreSQL, {args.units:,} units: filled in {filled:.0f} s")
            measure(url)
            postgres.drop_database(url)
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
