"""``flask --app app wuye …``: thin commands over the services, one transaction each."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.domain.money import to_fen
from app.domain.periods import parse_month
from app.extensions import unit_of_work
from app.models import Community, StaffAssignment
from app.services.audit import acting_as
from app.services.billing import run_billing
from app.services.demo import seed_demo
from app.services.errors import DomainError
from app.services.statements import import_statement
from jobs.runner import JobWorker, redis_connection
from jobs.schedule import register

wuye = AppGroup("wuye", help="Wuye back-office commands.")


@wuye.command("seed-demo")
@click.option("--communities", default=2, show_default=True, help="How many communities.")
@click.option("--units", default=150, show_default=True, help="Units per community.")
def seed_demo_command(communities: int, units: int) -> None:
    """Create idempotent demo data and one user per role; print the logins."""
    with acting_as("seed-demo"), unit_of_work() as session:
        result = seed_demo(session, current_app.appbuilder.sm, communities, units)
    click.echo(f"communities: {result.communities}  units: {result.units}  owners: {result.owners}")
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


@wuye.command("bill-run")
@click.option("--period", required=True, help="Month to bill, YYYY-MM.")
@click.option("--community", "code", help="Community code (default: every community).")
@click.option("--dry-run", is_flag=True, help="Preview: print the figures, write nothing.")
def bill_run_command(period: str, code: str | None, dry_run: bool) -> None:
    """Bill every billable unit for a month; a re-run adds only what is missing."""
    start = parse_month(period)
    if start is None:
        raise click.BadParameter("expected YYYY-MM, e.g. 2026-03", param_hint="--period")
    try:
        with acting_as("cli"), unit_of_work() as session:
            community_id = None
            if code is not None:
                community_id = session.scalar(select(Community.id).where(Community.code == code))
                if community_id is None:
                    raise click.BadParameter(f"no community {code!r}", param_hint="--community")
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


@wuye.command("import-statement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--format",
    "fmt",
    default="detect",
    show_default=True,
    help="detect, generic, wechat, alipay, bank, or the name of a bank mapping.",
)
def import_statement_command(file: str, fmt: str) -> None:
    """Import a bank or payment-platform statement; a file with any problem imports nothing."""
    path = Path(file)
    with acting_as("cli"), unit_of_work() as session:
        result = import_statement(session, path.read_bytes(), path.name, fmt, actor="cli")
    if result.import_id is not None:
        click.echo(f"import: {result.import_id}  format: {result.format}")
    click.echo(
        f"matched: {result.matched}  unmatched: {result.unmatched}  "
        f"duplicates: {result.duplicates}  refunds: {result.refunds}  errors: {result.errors}"
    )
    for problem in result.problems:
        where = f"row {problem.row}" + (f", column {problem.column}" if problem.column else "")
        click.echo(f"{where}: {problem.message}")
    if result.errors:
        raise SystemExit(1)


@wuye.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
def worker_command(burst: bool) -> None:
    """An RQ worker with the scheduler, on WUYE_REDIS_URL: runs jobs, retries, periodic jobs."""
    connection = redis_connection()
    if connection is None:
        raise click.ClickException(
            "WUYE_REDIS_URL is not set. Without Redis (embedded mode) the web server runs the "
            "jobs itself; a worker needs Redis."
        )
    register(connection)
    JobWorker(connection).work(burst=burst, with_scheduler=True)


def register_cli(app) -> None:
    app.cli.add_command(wuye)
