"""Moving in as the edges run it (docs/domain.md §14): the CLI, the 导入资料 screen and the API
check a file with ``app.services.onboarding.onboard`` in one unit of work, committed only when
asked and nothing is wrong, and show its problems by the sheet's and column's names."""

from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit import actor, record
from app.domain import onboarding as rules
from app.extensions import db
from app.labels import onboarding_problem
from app.services.onboarding import Report, onboard

#: The largest file taken (a company of 50,000 units and three years of arrears fits).
MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Shown:
    """A problem as a person reads it: the sheet and column by their Chinese names and keys,
    the message in the user's language (``code``: the message's own words)."""

    sheet: str
    row: int
    column: str
    message: str
    code: str


def shown(problem: rules.Problem) -> Shown:
    sheet = rules.SHEETS.get(problem.sheet)
    names = {column.key: column.zh for column in sheet.columns} if sheet else {}
    column = names.get(problem.column)
    return Shown(
        f"{sheet.zh} [{sheet.key}]" if sheet else problem.sheet,
        problem.row,
        f"{column} [{problem.column}]" if column else problem.column,
        str(onboarding_problem(problem.message)),
        problem.message,
    )


def counts(report: Report) -> dict[str, int]:
    """What the file creates and updates, by kind: ``{"created units": 3, …}``."""
    return {
        **{f"created {kind}": n for kind, n in report.created.items()},
        **{f"updated {kind}": n for kind, n in report.updated.items()},
    }


def run_onboarding(data: bytes, name: str, commit: bool, csv_sheet: str | None = None):
    """Check ``data`` and, when ``commit`` and no problem, write it (audited); else write
    nothing. Returns the report and whether it was written."""
    session = db.session
    try:
        report = onboard(session, data, csv_sheet, datetime.now(UTC), actor()[1])
        written = commit and report.ok
        if written:
            record(session, "onboard", "onboarding", details={"file": name, **counts(report)})
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    return report, written
