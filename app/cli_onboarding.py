"""``wuye onboard-template`` and ``wuye onboard``: moving in from a spreadsheet (docs/domain.md
§14). The command owns the unit of work: it commits only with ``--commit`` and no problem."""

from pathlib import Path

import click
from flask_babel import force_locale

from app.audit import acting_as, record
from app.domain import onboarding as rules
from app.domain.onboarding_files import write_template
from app.extensions import db
from app.labels import onboarding_problem
from app.services.onboarding import onboard


@click.command("onboard-template")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def onboard_template_command(out: str) -> None:
    """Write the onboarding template: a sheet per kind of row, its header and an example."""
    titles = {key: sheet.zh for key, sheet in rules.SHEETS.items()}
    Path(out).write_bytes(write_template(rules.template_rows(), titles))
    click.echo(f"template: {out} (sheets: {', '.join(titles.values())})")


def problem_line(problem: rules.Problem) -> str:
    """A problem as the report prints it: where (the sheet and column by their Chinese names,
    with their keys), then the message in Chinese and English."""
    sheet = rules.SHEETS.get(problem.sheet)
    names = {column.key: column.zh for column in sheet.columns} if sheet else {}
    where = f"{sheet.zh} [{sheet.key}]" if sheet else problem.sheet
    where += f" row {problem.row}"
    if problem.column:
        column = names.get(problem.column)
        where += f" {column} [{problem.column}]" if column else f" {problem.column}"
    with force_locale("zh"):
        chinese = str(onboarding_problem(problem.message))
    with force_locale("en"):
        english = str(onboarding_problem(problem.message))
    return f"{where}: {chinese} / {english}"


@click.command("onboard")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--commit", is_flag=True, help="Write it all (nothing if any problem is found).")
@click.option("--sheet", help="The sheet a CSV file holds (房屋, 业主… or units, owners…).")
def onboard_command(file: str, commit: bool, sheet: str | None) -> None:
    """Check a company's spreadsheet of units and owners; with --commit, write it all or
    nothing. Exits 1 on any problem."""
    session = db.session
    with acting_as("cli"):
        try:
            report = onboard(session, Path(file).read_bytes(), csv_sheet=sheet)
            done = commit and report.ok
            if done:
                details = {"file": Path(file).name, **_counts(report)}
                record(session, "onboard", "onboarding", details=details)
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
    for key, rows in report.rows.items():
        click.echo(f"{rules.SHEETS[key].zh} [{key}]: {rows} rows")
    counts = _counts(report)
    click.echo("  ".join(f"{kind}: {n}" for kind, n in counts.items()) or "nothing to change")
    for problem in report.problems:
        click.echo(problem_line(problem))
    if not report.ok:
        click.echo(f"{len(report.problems)} problems: nothing written")
        raise SystemExit(1)
    click.echo("written" if done else "checked: nothing written (add --commit to write)")


def _counts(report) -> dict[str, int]:
    return {
        **{f"created {kind}": n for kind, n in report.created.items()},
        **{f"updated {kind}": n for kind, n in report.updated.items()},
    }
