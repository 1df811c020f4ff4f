"""``flask --app app wuye …``: thin commands over the services, one transaction each."""

import time
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select

import jobs
from app.audit import acting_as
from app.clock import business_date
from app.demo import seed_demo
from app.domain.money import to_fen
from app.domain.periods import parse_month
from app.domain.rates import format_percent
from app.extensions import unit_of_work
from app.files import files_dir
from app.models import Community, NoticeBatch, StaffAssignment
from app.services.billing import run_billing
from app.services.dunning import scan_day, scan_dunning
from app.services.errors import DomainError
from app.services.latefees import close_month
from app.services.notices import batch_notices, start_notice_batches
from app.services.statements import import_statement
from jobs.dunning import dispatch as dispatch_dunning
from jobs.notices import queue_notice_batch, run_notice_batch
from jobs.runner import EMBEDDED, JobWorker, queue_unavailable, redis_connection
from jobs.schedule import SCHEDULE
from reports.supervision import render, report_document

wuye = AppGroup("wuye", help="Wuye back-office commands.")

JOB_PROGRESS_SECONDS = 10
QUEUE_UNAVAILABLE = (
    "队列服务（Redis）无法连接：任务已记录在任务表中，Redis 恢复后由 worker 执行。\n"
    "The queue (Redis) is unreachable: the jobs are recorded in the job table and run once "
    "Redis is back."
)


@wuye.result_callback()
@with_appcontext
def _after_command(*_args, **_kwargs) -> None:
    """After every command: say if Redis could not take its jobs; in embedded mode, run the
    jobs it queued before the process ends (a daemon thread would die with it)."""
    if queue_unavailable():
        click.echo(QUEUE_UNAVAILABLE, err=True)
    if redis_connection() is not None or not EMBEDDED.pending:
        return
    click.echo(f"jobs: running {EMBEDDED.pending} in this process…")
    while not jobs.wait(JOB_PROGRESS_SECONDS):
        click.echo(f"jobs: {EMBEDDED.pending} still to run")
    click.echo("jobs: done")


@wuye.command("seed-demo")
@click.option("--communities", default=2, show_default=True, help="How many communities.")
@click.option("--units", default=150, show_default=True, help="Units per community.")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Twelve months of the company's life up to today (bills, payments, dunning, care).",
)
def seed_demo_command(communities: int, units: int, history: bool) -> None:
    """Create idempotent demo data and one user per role; print the logins."""
    with acting_as("seed-demo"), unit_of_work() as session:
        result = seed_demo(
            session, current_app.appbuilder.sm, communities, units, business_date(), history
        )
    click.echo(f"communities: {result.communities}  units: {result.units}  owners: {result.owners}")
    if result.history:
        click.echo("history: " + "  ".join(f"{k}: {n}" for k, n in result.history.items()))
    click.echo("logins (role  username  password):")
    for role, username, password in result.users:
        click.echo(f"  {role:<16}{username:<12}{password}")


@wuye.command("assign-staff")
@click.option("--username", required=True)
@click.option("--community", "code", required=True, help="Community code.")
def assign_staff_command(username: str, code: str) -> None:
    """Give a staff member a community."""
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise click.BadParameter(f"no user {username!r}", param_hint="--username")
    with acting_as("cli"), unit_of_work() as session:
        community = session.scalar(select(Community).where(Community.code == code))
        if community is None:
            raise click.BadParameter(f"no community {code!r}", param_hint="--community")
        exists = session.scalar(
            select(StaffAssignment.id).where(
                StaffAssignment.user_id == user.id, StaffAssignment.community_id == community.id
            )
        )
        if exists is None:
            session.add(StaffAssignment(user_id=user.id, community_id=community.id))
    click.echo(f"{username} → {code}")


LISTED_FAILURES = 20


def _month(period: str):
    start = parse_month(period)
    if start is None:
        raise click.BadParameter("expected YYYY-MM, e.g. 2026-03", param_hint="--period")
    return start


def _community_id(session, code: str) -> int:
    community_id = session.scalar(select(Community.id).where(Community.code == code))
    if community_id is None:
        raise click.BadParameter(f"no community {code!r}", param_hint="--community")
    return community_id


@wuye.command("bill-run")
@click.option("--period", required=True, help="Month to bill, YYYY-MM.")
@click.option("--community", "code", help="Community code (default: every community).")
@click.option("--dry-run", is_flag=True, help="Preview: print the figures, write nothing.")
def bill_run_command(period: str, code: str | None, dry_run: bool) -> None:
    """Bill every billable unit for a month; a re-run adds only what is missing."""
    start = _month(period)
    try:
        with acting_as("cli"), unit_of_work() as session:
            community_id = None if code is None else _community_id(session, code)
            result = run_billing(session, start, community_id, dry_run=dry_run, actor="cli")
    except DomainError as err:
        raise click.ClickException(err.as_text()) from err
    click.echo(f"period: {start:%Y-%m}" + ("  (preview: nothing written)" if dry_run else ""))
    if result.run_id is not None:
        click.echo(f"run: {result.run_id}")
    click.echo(f"created: {result.created}")
    click.echo(f"bills: {result.bills}")
    click.echo(f"skipped: {result.skipped}")
    click.echo(f"failed: {len(result.failed)}")
    for failure in result.failed[:LISTED_FAILURES]:
        click.echo(f"  {failure['community']} {failure['unit']} {failure['reason']}")
    if len(result.failed) > LISTED_FAILURES:
        click.echo(f"  … and {len(result.failed) - LISTED_FAILURES} more")
    click.echo(f"total: {to_fen(result.total)}")


NOTICE_PROGRESS_SECONDS = 10


@wuye.command("notices")
@click.option("--period", required=True, help="Month of the bills, YYYY-MM.")
@click.option("--community", "code", help="Community code (default: every community billed).")
def notices_command(period: str, code: str | None) -> None:
    """Payment-notice PDFs for a month: one batch per community, rendered by background jobs.

    With Redis the workers render them and this prints the batch and job ids; in embedded mode
    it waits for them and prints the files. Starting a batch again resumes it.
    """
    start = _month(period)
    try:
        with acting_as("cli"), unit_of_work() as session:
            community_id = None if code is None else _community_id(session, code)
            started = start_notice_batches(session, start, community_id, actor="cli")
            # A new batch's jobs are committed with it; one started before is resumed below.
            batches = [
                (b.id, str(b), b.notices, new, queue_notice_batch(session, b.id) if new else None)
                for b, new in started
            ]
    except DomainError as err:
        raise click.ClickException(err.as_text()) from err
    for batch_id, name, notices, new, queued in batches:
        if queued is None:  # started before: resume it
            with acting_as("cli"):
                queued = run_notice_batch(batch_id)
        click.echo(
            f"batch: {batch_id}  {name}  notices: {notices}" + ("" if new else "  (started before)")
        )
        click.echo(f"jobs: {' '.join(queued) or '-'}")
    if redis_connection() is not None:
        return
    while not jobs.wait(NOTICE_PROGRESS_SECONDS):
        with unit_of_work() as session:
            for batch_id, name, *_ in batches:
                click.echo(f"{name}: {session.get(NoticeBatch, batch_id).progress()}")
    failed = False
    with unit_of_work() as session:
        for batch_id, _name, *_ in batches:
            failed |= _print_files(session, session.get(NoticeBatch, batch_id))
    if failed:
        raise SystemExit(1)


def _print_files(session, batch) -> bool:
    """Print a finished batch's files, or why it failed; whether it failed."""
    failure = batch.failure()
    if failure is not None:
        reason = failure.error.strip().splitlines()[-1]
        click.echo(f"{batch}: failed in job {failure.job_id}: {reason}")
        return True
    root = files_dir()
    click.echo(f"{batch}: {batch.notices} notices, {batch.pages} pages")
    click.echo(f"merged: {root / batch.merged_file}")
    for notice in batch_notices(session, batch.id):
        click.echo(f"{notice.unit.code}: {root / notice.file}")
    return False


@wuye.command("import-statement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--format",
    "fmt",
    default="detect",
    show_default=True,
    help="detect, generic, wechat, alipay, bank, or the name of a bank mapping.",
)
@click.option(
    "--community",
    "code",
    help="Community code: match the rows to its units only (unit codes repeat across "
    "communities). Default: every community.",
)
def import_statement_command(file: str, fmt: str, code: str | None) -> None:
    """Import a bank or payment-platform statement; a file with any problem imports nothing."""
    path = Path(file)
    with acting_as("cli"), unit_of_work() as session:
        community_id = None if code is None else _community_id(session, code)
        result = import_statement(
            session, path.read_bytes(), path.name, fmt, actor="cli", community_id=community_id
        )
    if result.import_id is not None:
        click.echo(
            f"import: {result.import_id}  format: {result.format}"
            + (f"  community: {code}" if code else "")
        )
    click.echo(
        f"matched: {result.matched}  unmatched: {result.unmatched}  "
        f"duplicates: {result.duplicates}  refunds: {result.refunds}  errors: {result.errors}  "
        f"matched automatically: {format_percent(result.match_rate)}"
    )
    for problem in result.problems:
        where = f"row {problem.row}" + (f", column {problem.column}" if problem.column else "")
        click.echo(f"{where}: {problem.message}")
    if result.errors:
        raise SystemExit(1)


@wuye.command("dunning-scan")
@click.option("--as-of", "as_of", help="Business date to scan for, YYYY-MM-DD (default today).")
def dunning_scan_command(as_of: str | None) -> None:
    """Record the dunning actions due on a day; a second scan of the same day adds nothing."""
    try:
        day = scan_day(as_of, business_date())
    except DomainError as err:
        raise click.BadParameter(err.as_text(), param_hint="--as-of") from None
    with acting_as("cli"), unit_of_work() as session:
        result = scan_dunning(session, day, actor="cli")
        dispatch_dunning(result)
    click.echo(f"as of: {day.isoformat()}")
    click.echo(f"actions created: {result.actions_created}")
    click.echo(f"cases opened: {result.cases_opened}  closed: {result.cases_closed}")
    click.echo(
        f"held: paused {result.paused}  minimum gap {result.deferred}"
        f"  awaiting the formal demand {result.awaiting_demand}"
    )
    click.echo(f"visits: {result.visits}  waiting for a collector {result.visits_waiting}")


@wuye.command("late-fees")
@click.option("--month", required=True, help="Month to close, YYYY-MM (it must be over).")
@click.option("--community", "code", help="Community code (default: every community).")
def late_fees_command(month: str, code: str | None) -> None:
    """Post the late fees accrued to a month's end on bills whose principal is unpaid (the
    month close the periodic job makes on the 1st); closing a month again posts nothing."""
    try:
        with acting_as("cli"), unit_of_work() as session:
            community_id = None if code is None else _community_id(session, code)
            result = close_month(session, month, community_id)
    except DomainError as err:
        raise click.ClickException(err.as_text()) from err
    click.echo(f"month: {result.month:%Y-%m}  late fees reckoned to {result.as_of.isoformat()}")
    click.echo(f"bills posted: {result.bills}  amount: {result.posted}")


report = AppGroup("report", help="Reports rendered on the spot, as PDF files.")
wuye.add_command(report)


@report.command("supervision")
@click.option("--month", required=True, help="Month of the report, YYYY-MM.")
@click.option("--community", "code", help="Community code (default: company-wide).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
def supervision_report_command(month: str, code: str | None, out: str) -> None:
    """The monthly supervision-check report of a community or of the whole company."""
    if parse_month(month) is None:
        raise click.BadParameter("expected YYYY-MM, e.g. 2026-03", param_hint="--month")
    try:
        with acting_as("cli"), unit_of_work() as session:
            community_id = None if code is None else _community_id(session, code)
            context = report_document(session, month, community_id)
    except DomainError as err:
        raise click.ClickException(err.as_text()) from err
    pdf, pages = render(context)
    Path(out).write_bytes(pdf)
    click.echo(f"report: {context['number']}  pages: {pages}")
    click.echo(f"file: {Path(out).resolve()}")


@wuye.command("run-periodic")
@click.argument("name", type=click.Choice([entry.name for entry in SCHEDULE]))
@click.option("--day", help="Business date the job is for, YYYY-MM-DD (default today).")
def run_periodic_command(name: str, day: str | None) -> None:
    """Queue one of the periodic jobs now (e.g. the ledger check), apart from its schedule."""
    try:
        on = date.fromisoformat(day) if day else business_date()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--day") from None
    entry = next(entry for entry in SCHEDULE if entry.name == name)
    with acting_as("cli"), unit_of_work():
        job_id = jobs.enqueue(
            entry.function, on.isoformat(), description=f"{name} {on.isoformat()} (by hand)"
        )
    click.echo(f"job: {job_id}")


@wuye.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--name", help="The worker's name (default: a random one).")
def worker_command(burst: bool, name: str | None) -> None:
    """An RQ worker with the scheduler, on WUYE_REDIS_URL: runs jobs, their retries, the
    periodic jobs and the sweeper; waits out a Redis outage. Stop it with SIGTERM (it finishes
    the job in hand)."""
    connection = redis_connection()
    if connection is None:
        raise click.ClickException(
            "WUYE_REDIS_URL is not set. Without Redis (embedded mode) the web server runs the "
            "jobs itself; a worker needs Redis."
        )
    while True:
        worker = JobWorker(connection, name)
        try:
            worker.work(burst=burst, with_scheduler=True)
        except (RedisConnectionError, RedisTimeoutError) as err:
            click.echo(f"Redis: {err}", err=True)
        if burst or worker.stop_asked:
            return
        _wait_for_redis(connection)
        worker.register_death()  # its farewell was lost with Redis: the name is free again


def _wait_for_redis(connection) -> None:
    """Redis went away under the worker: wait for it (the jobs' records are in the database)."""
    delay = 1
    while True:
        try:
            connection.ping()
            return
        except (RedisConnectionError, RedisTimeoutError):
            click.echo(f"waiting for Redis ({delay} s)…", err=True)
            time.sleep(delay)
            delay = min(delay * 2, 30)


def register_cli(app) -> None:
    from app.cli_onboarding import onboard_command, onboard_template_command

    wuye.add_command(onboard_template_command)
    wuye.add_command(onboard_command)
    app.cli.add_command(wuye)
