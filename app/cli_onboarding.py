"""``wuye onboard-template`` and ``wuye onboard``: moving in from a spreadsheet (docs/domain.md
§14), run by ``app.onboarding.run_onboarding``: committed only with ``--commit`` and no
problem."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.audit import acting_as
from app.domain import onboarding as rules
from app.domain.onboarding_files import write_template
from app.onboarding import counts, run_onboarding, shown


@click.command("onboard-template")
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def onboard_template_command(out: str) -> None:
    """Write the onboarding template: a sheet per kind of row, its header and an example."""
    titles = {key: sheet.zh for key, sheet in rules.SHEETS.items()}
    Path(out).write_bytes(write_template(rules.template_rows(), titles))
    click.echo(f"template: {out} (sheets: {', '.join(titles.values())})")


def problem_line(problem: rules.Problem) -> str:
    """A problem as the report prints it: where, then the message in Chinese and English."""
    with force_locale("zh"):
        chinese = shown(problem)
    with force_locale("en"):
        english = shown(problem).message
    column = f" {chinese.column}" if chinese.column else ""
    return f"{chinese.sheet} row {chinese.row}{column}: {chinese.message} / {english}"


@click.command("onboard")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--commit", is_flag=True, help="Write it all (nothing if any problem is found).")
@click.option("--sheet", help="The sheet a CSV file holds (房屋, 业主… or units, owners…).")
def onboard_command(file: str, commit: bool, sheet: str | None) -> None:
    """Check a company's spreadsheet of units, owners, opening arrears and prepaid amounts;
    with --commit, write it all or nothing. Exits 1 on any problem."""
    with acting_as("cli"):
        report, written = run_onboarding(
            Path(file).read_bytes(), Path(file).name, commit, csv_sheet=sheet
        )
    for key, rows in report.rows.items():
        click.echo(f"{rules.SHEETS[key].zh} [{key}]: {rows} rows")
    changes = counts(report)
    click.echo("  ".join(f"{kind}: {n}" for kind, n in changes.items()) or "nothing to change")
    for problem in report.problems:
        click.echo(problem_line(problem))
    if not report.ok:
        click.echo(f"{len(report.problems)} problems: nothing written")
        raise SystemExit(1)
    click.echo("written" if written else "checked: nothing written (add --commit to write)")
