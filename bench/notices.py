"""Benchmark: a batch of payment notices through the real job chain, against WeasyPrint's floor.

Run ``python bench/notices.py [--notices N] [--workers 1,2] [--record]``. Not a test: it prints
numbers and checks them against the aims of the notices issue (the batch, per-unit files and the
merge included, at least 0.8 of the floor's pages/s; two workers faster than one).

It builds one SQLite database migrated by the app's Alembic history with N billed units
(``seed_demo``: one community of N units, then ``run_billing``), then measures, every phase in a
fresh child process on a fresh copy of that database:

1. the floor: bare WeasyPrint on a minimal hand-written HTML with the same content as the N
   notices (their contexts, plain tags, a ten-line stylesheet), laid out as ONE document and
   written to one PDF. For information, the real template one PDF per notice (a sample);
2. the batch as ``wuye notices`` runs it in Redis mode: a redis-server started here, W
   ``flask --app app wuye worker`` processes started and idle, then the batch started and its
   jobs queued (``start_notice_batches``, ``run_notice_batch``) and timed until the batch is
   finished: chunks rendered, per-unit PDFs written, merged PDF, bills noticed, outbox written.

``--record`` adds the output as a new section at the top of ``bench/RESULTS.md``.
"""

import argparse
import logging
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("WUYE_SECRET_KEY", "bench-only-secret-key-of-at-least-32-bytes")

from billing import in_child  # noqa: E402  (bench/billing.py: a phase in a spawned child)

from app.services.notices import CHUNK_SIZE  # noqa: E402

PERIOD = date(2026, 10, 1)
ISSUED = date(2026, 9, 20)
SAMPLE = 20  # notices rendered one PDF each, for information
AIM_FLOOR, AIM_SCALE = 0.8, 1.5
KiB, MiB = 1024, 1024 * 1024

# The floor's document: the notice's content in plain HTML, one <section> per notice.
MINIMAL_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; }
html { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; font-size: 10pt; }
section { break-after: page; }
h1 { font-size: 18pt; text-align: center; }
table { width: 100%; border-collapse: collapse; margin-bottom: 3mm; }
th, td { border: 0.5pt solid #777; padding: 1mm 2mm; text-align: left; }
"""


def _minimal_html(contexts: list[dict]) -> str:
    from markupsafe import escape

    def row(*cells):
        return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"

    sections = []
    for c in contexts:
        lines = "".join(
            row(li["item"], li["basis"], li["area"] or "", li["price"], li["months"], li["amount"])
            for li in c["lines"]
        )
        totals = "".join(
            row(label, c[key])
            for label, key in (
                ("本期费用（元）", "charges"),
                ("本期已缴/减免（元）", "settled"),
                ("往期欠费（元）", "arrears"),
                (f"截至 {c['issued_on']} 滞纳金（元）", "late_fees"),
                ("预存抵扣（元）", "credit"),
                ("应缴合计（元）", "total_due"),
            )
        )
        sections.append(
            f"<section><p>{escape(c['issuer']['name'])}<br>{escape(c['issuer']['address'])} · "
            f"电话 {escape(c['issuer']['phone'])}</p><h1>缴费通知单</h1><p>编号 {c['number']}</p>"
            "<table>"
            + row("小区", c["community"], "房屋", c["unit"])
            + row("业主", c["owner"], "面积（㎡）", c["area"])
            + row("期间", f"{c['period_start']} – {c['period_end']}", "缴费截止日", c["due_date"])
            + "</table><table>"
            + row("收费项目", "计费方式", "面积（㎡）", "单价（元）", "月数", "金额（元）")
            + lines
            + f"</table><table>{totals}</table><h2>缴费方式</h2><table>"
            + row("收款单位", c["payee"]["name"])
            + row("收款开户行", c["payee"]["bank"])
            + row("收款账号", c["payee"]["account"])
            + f"</table><p>{escape(c['instructions'])}</p>"
            f"<p>请于 {c['due_date']} 前缴清应缴合计，转账时请在备注中注明房号 {c['unit']}。</p>"
            f"<p>开具日期：{c['issued_on']}。</p></section>"
        )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{MINIMAL_CSS}'
        f"</style></head><body>{''.join(sections)}</body></html>"
    )


# --------------------------------------------------------------------------- child processes


def _app(url: str, files: str, redis_url: str | None = None):
    from app.factory import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WUYE_FILES_DIR": files,
            "WUYE_REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
        }
    )


def phase_prepare(url: str, n: int) -> dict:
    """Migrate a fresh database, seed one community of N units and bill them."""
    import flask_migrate

    from app.audit import acting_as
    from app.demo import seed_demo
    from app.extensions import db, unit_of_work
    from app.services.billing import run_billing

    app = _app(url, tempfile.mkdtemp(prefix="wuye-bench-files-"))
    with app.app_context(), acting_as("bench"):
        logging.disable(logging.INFO)  # Alembic's "Running upgrade …" lines
        flask_migrate.upgrade()
        logging.disable(logging.NOTSET)
        with unit_of_work() as session:
            seed_demo(session, app.appbuilder.sm, communities=1, units=n)
        with unit_of_work() as session:
            result = run_billing(session, PERIOD, community_id=1, actor="bench")
        db.session.remove()
        db.engine.dispose()
    return {"bills": result.bills, "failed": len(result.failed)}


def phase_floor(url: str) -> dict:
    """Bare WeasyPrint on the minimal HTML of every notice as one document; then the real
    template one PDF per notice on a sample."""
    from sqlalchemy import select
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    import reports
    from app.extensions import db
    from app.models import Bill
    from reports.context import notice_context

    app = _app(url, tempfile.mkdtemp(prefix="wuye-bench-files-"))
    with app.app_context():
        ids = db.session.scalars(select(Bill.id).order_by(Bill.id)).all()
        contexts = [notice_context(db.session, i, ISSUED) for i in ids]
        fonts = FontConfiguration()
        HTML(string=_minimal_html(contexts[:1])).write_pdf(font_config=fonts)  # load the fonts
        started = time.perf_counter()
        document = HTML(string=_minimal_html(contexts)).render(font_config=fonts)
        merged = document.write_pdf()
        seconds = time.perf_counter() - started
        reports.render_pdf("notice.html", contexts[0])  # warm up the real template
        began = time.perf_counter()
        batch = reports.render_batch("notice.html", contexts)
        template = {"pages": len(batch.document.pages), "bytes": len(batch.write_pdf())}
        template["seconds"] = time.perf_counter() - began
        times, sizes = [], []
        for context in contexts[:SAMPLE]:
            began = time.perf_counter()
            sizes.append(len(reports.render_pdf("notice.html", context)))
            times.append(time.perf_counter() - began)
        db.session.remove()
        db.engine.dispose()
    return {
        "notices": len(contexts),
        "pages": len(document.pages),
        "seconds": seconds,
        "bytes": len(merged),
        "template": template,
        "alone_seconds": sum(times),
        "alone_pages": len(times),
        "alone_bytes": statistics.mean(sizes),
    }


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of the children it reaped (a worker and its work-horses)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (or stolen by the hypervisor)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n")[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICK


def phase_chain(url: str, redis_url: str, workers: int, chunk_size: int) -> dict:
    """Start W idle workers, then the batch; time it until the batch is finished."""
    from redis import Redis
    from rq import Worker
    from sqlalchemy import func, select

    from app.audit import acting_as
    from app.extensions import db, unit_of_work
    from app.models import JobRun, Notice, NoticeBatch
    from app.services import notices
    from app.services.notices import start_notice_batches
    from jobs.notices import run_notice_batch

    notices.CHUNK_SIZE = chunk_size

    files = tempfile.mkdtemp(prefix="wuye-bench-files-")
    env = os.environ | {
        "WUYE_DATABASE_URL": url,
        "WUYE_REDIS_URL": redis_url,
        "WUYE_FILES_DIR": files,
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "wuye", "worker"]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    app = _app(url, files, redis_url)
    try:
        with app.app_context(), acting_as("bench"):
            connection = Redis.from_url(redis_url)

            def idle() -> bool:  # every worker up, every job done (the schedule's at start)
                busy = db.session.scalar(
                    select(func.count())
                    .select_from(JobRun)
                    .where(JobRun.status.not_in(("finished", "failed")))
                )
                db.session.rollback()
                return len(Worker.all(connection=connection)) == workers and busy == 0

            _wait_until(idle, 120, f"{workers} idle workers")
            cpu = [_cpu_seconds(p.pid) for p in processes], _machine_busy()
            started = time.perf_counter()
            with unit_of_work() as session:
                [(batch, _new)] = start_notice_batches(session, PERIOD, 1, "bench")
                batch_id = batch.id
            run_notice_batch(batch_id)

            def finished() -> bool:
                batch = db.session.get(NoticeBatch, batch_id)
                failure = batch.failure()
                if failure is not None:
                    raise RuntimeError(f"job {failure.job_id} failed:\n{failure.error}")
                done = batch.status == "finished"
                db.session.rollback()
                return done

            _wait_until(finished, 3600, "the batch")
            seconds = time.perf_counter() - started
            _wait_until(idle, 60, "the last job's end")  # its work-horse reaped, CPU counted
            time.sleep(0.5)
            worker_cpu = sum(_cpu_seconds(p.pid) for p in processes) - sum(cpu[0])
            machine_cpu, window = _machine_busy() - cpu[1], time.perf_counter() - started
            batch = db.session.get(NoticeBatch, batch_id)
            jobs = {
                j.job_id: (j.finished_at - j.started_at).total_seconds()
                for j in db.session.scalars(
                    select(JobRun).where(JobRun.job_id.in_(batch.job_ids()))
                )
            }
            root = Path(files)
            unit_sizes = [
                (root / f).stat().st_size
                for f in db.session.scalars(select(Notice.file).where(Notice.batch_id == batch_id))
            ]
            out = {
                "workers": workers,
                "notices": batch.notices,
                "chunks": batch.chunks,
                "chunk_size": chunk_size,
                "pages": batch.pages,
                "seconds": seconds,
                "worker_cpu": worker_cpu,
                "other_cores": max(machine_cpu - worker_cpu, 0) / window,
                "chunk_job_seconds": [s for j, s in jobs.items() if not j.endswith("merge")],
                "merge_seconds": jobs[f"notices-{batch_id}-merge"],
                "merged_bytes": (root / batch.merged_file).stat().st_size,
                "unit_bytes": unit_sizes,
            }
            db.session.remove()
            db.engine.dispose()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)  # warm shutdown: the worker leaves RQ's registry
        for process in processes:
            process.wait(timeout=60)
        shutil.rmtree(files, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- orchestration


class RedisServer:
    """A throw-away redis-server (tests/redis_server.py)."""

    def __init__(self):
        from redis import Redis

        from tests import redis_server

        self.folder = tempfile.mkdtemp(prefix="wuye-bench-redis-")
        port = redis_server.free_port()
        self.process = subprocess.Popen(
            redis_server.command(port, self.folder), stdout=subprocess.DEVNULL
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        self.client = Redis.from_url(self.url)
        redis_server.wait_until_it_answers(port)

    def version(self) -> str:
        return self.client.info()["redis_version"]

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def _versions() -> str:
    from importlib.metadata import version

    from weasyprint.text.ffi import harfbuzz_subset

    subset = "yes" if harfbuzz_subset is not None else "no (fontTools)"
    return (
        f"WeasyPrint {version('weasyprint')}, pypdf {version('pypdf')}, "
        f"HarfBuzz subsetting: {subset}"
    )


def report(
    prep: dict, floor: dict, chains: list[dict], redis_version: str, n: int
) -> tuple[str, bool]:
    out = []
    p = out.append
    p(
        f"{n} units of one community (`seed_demo`), billed for {PERIOD:%Y-%m}: {prep['bills']} "
        f"bills in chunks of {chains[0]['chunk_size']}; SQLite; redis-server {redis_version}; "
        f"{_versions()}."
    )
    p("")
    p("```")
    header = f"{'phase':<62}{'notices':>8}{'pages':>7}{'seconds':>9}{'pages/s':>9}"
    p(header)
    p("-" * len(header))

    def line(name, notices, pages, seconds):
        p(f"{name:<62}{notices:>8,}{pages:>7,}{seconds:>9.2f}{pages / seconds:>9.2f}")

    line(
        "floor: bare WeasyPrint, minimal HTML, ONE document",
        floor["notices"],
        floor["pages"],
        floor["seconds"],
    )
    template = floor["template"]
    line(
        "the app's notice template, bare, ONE document (render_batch)",
        floor["notices"],
        template["pages"],
        template["seconds"],
    )
    line(
        f"(info) the template, one PDF per notice, {floor['alone_pages']} notices",
        floor["alone_pages"],
        floor["alone_pages"],
        floor["alone_seconds"],
    )
    for chain in chains:
        line(
            f"batch: job chain, {chain['workers']} worker(s), {chain['chunks']} chunks",
            chain["notices"],
            chain["pages"],
            chain["seconds"],
        )
    p("")
    for chain in chains:
        jobs = chain["chunk_job_seconds"]
        p(
            f"{chain['workers']} worker(s): chunk jobs {min(jobs):.2f}–{max(jobs):.2f} s each, "
            f"{sum(jobs):.1f} s in all; merge job (merged PDF, bills noticed, outbox) "
            f"{chain['merge_seconds']:.2f} s; the workers used "
            f"{chain['worker_cpu'] / chain['seconds']:.2f} cores "
            f"({1000 * chain['worker_cpu'] / chain['pages']:.0f} ms CPU per page), the rest of the "
            f"machine {chain['other_cores']:.2f} cores"
        )
    chain = chains[0]
    sizes = chain["unit_bytes"]
    p(
        f"files: merged PDF {chain['merged_bytes'] / MiB:.2f} MiB ({floor['bytes'] / MiB:.2f} MiB "
        f"for the floor's one document); per-unit PDFs {statistics.mean(sizes) / KiB:.1f} KiB on "
        f"average ({min(sizes) / KiB:.1f}–{max(sizes) / KiB:.1f}), {sum(sizes) / MiB:.2f} MiB in "
        f"all; one notice rendered alone {floor['alone_bytes'] / KiB:.1f} KiB"
    )
    p("")
    rate = {c["workers"]: c["pages"] / c["seconds"] for c in chains}
    floor_rate = floor["pages"] / floor["seconds"]
    aims = [
        (
            f"batch >= {AIM_FLOOR} x floor",
            rate[min(rate)] / floor_rate >= AIM_FLOOR,
            "; ".join(
                f"{w} worker(s): {r:.2f} / {floor_rate:.2f} = {r / floor_rate:.2f}"
                for w, r in rate.items()
            ),
        )
    ]
    if len(rate) > 1:
        few, many = min(rate), max(rate)
        aims.append(
            (
                f"{many} workers >= {AIM_SCALE} x {few}",
                rate[many] / rate[few] >= AIM_SCALE,
                f"{rate[many]:.2f} / {rate[few]:.2f} = {rate[many] / rate[few]:.2f}",
            )
        )
    for aim, ok, detail in aims:
        p(f"  [{'PASS' if ok else 'FAIL'}] {aim:<28} {detail}")
    template_rate = template["pages"] / template["seconds"]
    p(
        f"  (info) the template bare / floor = {template_rate / floor_rate:.2f}; batch / the "
        "template bare: "
        + "; ".join(f"{w} worker(s) {r / template_rate:.2f}" for w, r in rate.items())
    )
    p("```")
    return "\n".join(out), all(ok for _aim, ok, _detail in aims)


def record(section: str) -> None:
    """Put ``section`` at the top of bench/RESULTS.md, below its introduction."""
    results = HERE / "RESULTS.md"
    text = results.read_text()
    intro, rest = text.split("\n## ", 1)
    results.write_text(f"{intro}\n{section}\n\n## {rest}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=500)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="notices per chunk job")
    parser.add_argument("--record", action="store_true", help="add the output to RESULTS.md")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    began = time.perf_counter()
    title = (
        f"## bench/notices.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}"
    )
    print(title, "\n", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="wuye-bench-notices-"))
    template = folder / "template.db"
    redis = RedisServer()
    try:
        prep = in_child(phase_prepare, f"sqlite:///{template}", args.notices)

        def fresh(name: str) -> str:
            copy = folder / f"{name}.db"
            shutil.copy(template, copy)
            return f"sqlite:///{copy}"

        floor = in_child(phase_floor, fresh("floor"))
        chains = []
        for workers in counts:
            redis.client.flushdb()
            url = fresh(f"chain{workers}")
            chains.append(in_child(phase_chain, url, redis.url, workers, args.chunk_size))
        text, ok = report(prep, floor, chains, redis.version(), args.notices)
    finally:
        redis.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(text)
    print(f"\ntotal wall time {time.perf_counter() - began:.0f} s")
    if args.record:
        record(f"{title}\n\n`python bench/notices.py {' '.join(argv or sys.argv[1:])}`\n\n{text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
