"""Benchmark: list exports (CSV and XLSX) of 10k to 1M rows through the real screen code path.

Run ``python bench/exports.py [--rows 10000,100000,1000000] [--formats csv,xlsx]
[--trace-up-to N] [--only sqlite|postgresql] [--record]``. Not a test: it prints numbers and
checks them against the aim of the exports issue (a million rows in bounded memory: the peak at
the largest size within 1.5x of the peak at the smallest).

For each size N it builds one SQLite database migrated by the app's Alembic history (and, with
``WUYE_BENCH_PG=<server URL>``, a PostgreSQL database created on that server and dropped after;
``WUYE_BENCH_PG=temp`` starts a throw-away cluster, ``tests/postgres.py``) holding N owners with
Chinese names, phones and ID numbers in four communities, inserted with one set-based
``INSERT … SELECT`` (not measured). Then, every run in a fresh child process, an
auditor signs in to the owners screen and exports it (``/ownerview/export/<format>``: the list's
query read ``yield_per``, enum labels, the community, phones and ID numbers masked, the audit
entry, CSV streamed / XLSX written to a temporary file and sent), the Flask test client
consuming the response chunk by chunk (``buffered=False``):

- untraced, for the time (rows/s), the output size and the growth of the process's peak RSS
  (``ru_maxrss``) over its value after a one-row warm-up export of the same format;
- under ``tracemalloc`` (sizes up to ``--trace-up-to``), for the peak of Python allocations.

``--record`` adds the output as a new section at the top of ``bench/RESULTS.md``.
"""

import argparse
import os
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("WUYE_SECRET_KEY", "bench-only-secret-key-of-at-least-32-bytes")

from billing import in_child  # noqa: E402  (bench/billing.py: a phase in a spawned child)
from notices import record  # noqa: E402  (bench/notices.py: a section on top of RESULTS.md)

AIM_FLAT = 1.5
PASSWORD = "Bench-Pass-2026"
MiB = 1024 * 1024

OWNERS = {
    "sqlite": """
        INSERT INTO owner (community_id, name, phone, email, id_number, customer_type,
                           preferred_channel, e_notice_consent, notes)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :n)
        SELECT 1 + n % 4, '业主' || n, '138' || substr('0000000' || n, -8, 8), '',
               '11010519900101' || substr('000' || (n % 10000), -4, 4),
               CASE WHEN n % 5 = 0 THEN 'tenant' ELSE 'owner' END,
               CASE WHEN n % 3 = 0 THEN 'phone' ELSE 'sms' END, 0, '按时缴费，联系前请先致电'
        FROM seq""",
    "postgresql": """
        INSERT INTO owner (community_id, name, phone, email, id_number, customer_type,
                           preferred_channel, e_notice_consent, notes)
        SELECT 1 + n % 4, '业主' || n, '138' || lpad(n::text, 8, '0'), '',
               '11010519900101' || lpad((n % 10000)::text, 4, '0'),
               CASE WHEN n % 5 = 0 THEN 'tenant' ELSE 'owner' END,
               CASE WHEN n % 3 = 0 THEN 'phone' ELSE 'sms' END, false, '按时缴费，联系前请先致电'
        FROM generate_series(1, :n) AS n""",
}


def _app(url: str):
    from app.factory import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WUYE_FILES_DIR": tempfile.mkdtemp(prefix="wuye-bench-files-"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TESTING": True,  # no in-process clock: its jobs would run alongside the export
        }
    )


def phase_prepare(url: str, n: int) -> float:
    """Migrate a fresh database, add an auditor and N owners; the seconds it took to fill."""
    import logging

    import flask_migrate
    from sqlalchemy import text

    from app.extensions import db
    from app.models import Community

    app = _app(url)
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's "Running upgrade …" lines
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        sm = app.appbuilder.sm
        sm.add_user(
            "auditor",
            "审计",
            "员",
            "auditor@example.com",
            sm.find_role("Auditor"),
            password=PASSWORD,
        )
        started = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(
                Community.__table__.insert(),
                [
                    {"code": f"C{c}", "name": f"小区{c}", "address": f"测试路 {c} 号"}
                    for c in range(1, 5)
                ],
            )
            connection.execute(text(OWNERS[connection.dialect.name]), {"n": n})
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def _peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MiB  # Linux: KiB


def phase_export(url: str, fmt: str, traced: bool) -> dict:
    """One export of every owner as the auditor, consumed chunk by chunk."""
    app = _app(url)
    client = app.test_client()
    signed_in = client.post("/login/", data={"username": "auditor", "password": PASSWORD})
    assert signed_in.status_code == 302, "login failed"

    def export(query: str = "") -> int:
        response = client.get(f"/ownerview/export/{fmt}{query}", buffered=False)
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        return size

    export("?_flt_3_name=业主1")  # warm up on one row: imports, compiled queries, caches
    rss_before = _peak_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    size = export()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    return {
        "seconds": seconds,
        "size": size,
        "traced_peak": peak,
        "rss_before": rss_before,
        "rss_growth": _peak_rss() - rss_before,
    }


def _databases(folder: Path, n: int, server: str | None, only: str | None):
    """(backend, URL, clean-up) of the databases to fill for N rows."""
    databases = []
    if only != "postgresql":
        databases.append(("sqlite", f"sqlite:///{folder / f'owners-{n}.db'}", None))
    if server and only != "sqlite":
        from tests import postgres

        url = postgres.create_database(server)
        databases.append(("postgresql", url, lambda: postgres.drop_database(url)))
    return databases


def _postgres_server():
    """``WUYE_BENCH_PG``: a server's URL, or ``temp`` for a throw-away cluster; (URL, cluster)."""
    server = os.environ.get("WUYE_BENCH_PG")
    if server != "temp":
        return server, None
    from tests import postgres

    cluster = postgres.TempCluster(postgres.find_bindir())
    return cluster.start(), cluster


def versions() -> str:
    import openpyxl
    import sqlalchemy

    try:
        import lxml  # noqa: F401  (openpyxl writes through lxml when it is installed)

        xml = "lxml"
    except ImportError:
        xml = "et_xmlfile (no lxml)"
    return (
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"openpyxl {openpyxl.__version__} writing through {xml}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="sizes, comma-separated")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument(
        "--trace-up-to",
        type=int,
        default=1_000_000,
        help="largest size also run under tracemalloc (it is slow)",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one backend only")
    parser.add_argument("--record", action="store_true", help="add the output to RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.rows.split(",")]
    formats = args.formats.split(",")
    began = time.perf_counter()
    title = (
        f"## bench/exports.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}"
    )
    print(title, "\n", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="wuye-bench-exports-"))
    server, cluster = _postgres_server()
    results = []  # (backend, n, fmt, untraced, traced)
    try:
        for n in sizes:
            for backend, url, drop in _databases(folder, n, server, args.only):
                try:
                    fill = in_child(phase_prepare, url, n)
                    print(f"{backend}: {n:,} owners inserted in {fill:.1f} s", flush=True)
                    for fmt in formats:
                        plain = in_child(phase_export, url, fmt, False)
                        traced = (
                            in_child(phase_export, url, fmt, True)
                            if n <= args.trace_up_to
                            else None
                        )
                        results.append((backend, n, fmt, plain, traced))
                        print(f"  {fmt}: {plain['seconds']:.1f} s", flush=True)
                finally:
                    if drop:
                        drop()
            for db_file in folder.glob("*.db"):
                db_file.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if cluster:
            cluster.stop()
    text, ok = report(results, sizes, formats)
    path = "owners screen as the auditor (masked), test client, buffered=False"
    text = f"{versions()}; {path}.\n\n{text}"
    print(text)
    print(f"\ntotal wall time {time.perf_counter() - began:.0f} s")
    if args.record:
        record(f"{title}\n\n`python bench/exports.py {' '.join(argv or sys.argv[1:])}`\n\n{text}")
    return 0 if ok else 1


def report(results, sizes, formats) -> tuple[str, bool]:
    out = ["```"]
    out.append(
        f"{'backend':<10} {'rows':>9} {'format':<6} {'seconds':>8} {'rows/s':>8} {'output':>10} "
        f"{'peak RSS':>9} {'RSS growth':>10} {'traced peak':>11}"
    )
    out.append("-" * len(out[-1]))
    for backend, n, fmt, plain, traced in results:
        peak = f"{traced['traced_peak'] / MiB:.2f} MiB" if traced else "-"
        out.append(
            f"{backend:<10} {n:>9,} {fmt:<6} {plain['seconds']:>8.1f} "
            f"{n / plain['seconds']:>8,.0f} {plain['size'] / MiB:>6.1f} MiB "
            f"{plain['rss_before'] + plain['rss_growth']:>5.0f} MiB "
            f"{plain['rss_growth']:>6.1f} MiB {peak:>11}"
        )
    out.append("")
    ok = True
    small, large = min(sizes), max(sizes)
    for backend in dict.fromkeys(r[0] for r in results):
        for fmt in formats:
            runs = {n: (p, t) for b, n, f, p, t in results if b == backend and f == fmt}
            if small == large or small not in runs or large not in runs:
                continue
            (p_small, t_small), (p_large, t_large) = runs[small], runs[large]
            if t_small and t_large:
                ratio = t_large["traced_peak"] / t_small["traced_peak"]
                ok = ok and ratio <= AIM_FLAT
                out.append(
                    f"  [{'PASS' if ratio <= AIM_FLAT else 'FAIL'}] {backend} {fmt}: traced peak "
                    f"{large:,} / {small:,} rows = {ratio:.2f} (aim <= {AIM_FLAT})"
                )
            rss = p_large["rss_before"] + p_large["rss_growth"]
            rss_small = p_small["rss_before"] + p_small["rss_growth"]
            out.append(
                f"  (info) {backend} {fmt}: peak RSS {large:,} / {small:,} rows = "
                f"{rss / rss_small:.2f} ({rss:.0f} / {rss_small:.0f} MiB)"
            )
    out.append("```")
    return "\n".join(out), ok


if __name__ == "__main__":
    sys.exit(main())
