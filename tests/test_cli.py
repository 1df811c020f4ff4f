"""``flask wuye …`` commands: thin edges over the services (the rules are tested there)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Bill, BillingRun, Unit


@pytest.fixture
def wuye(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["wuye", *args])

    return invoke


def figures(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.splitlines() if not line.startswith(" "))


def test_bill_run_prints_the_counts_and_a_rerun_skips(wuye, session):
    first = wuye("bill-run", "--period", "2026-03")
    assert first.exit_code == 0, first.output
    assert {
        k: figures(first.output)[k] for k in ("created", "bills", "skipped", "failed", "total")
    } == {"created": "4", "bills": "4", "skipped": "0", "failed": "0", "total": "820.00"}
    run = session.scalar(select(BillingRun))
    assert run.started_by == "cli"
    assert (
        session.scalar(select(AuditLog.username).where(AuditLog.table_name == "billing_run"))
        == "cli"
    )
    again = figures(wuye("bill-run", "--period", "2026-03").output)
    assert (again["created"], again["skipped"], again["total"]) == ("0", "4", "0.00")


def test_one_community_preview_lists_failures_and_writes_nothing(wuye, session):
    session.get(Unit, 2).ownerships[0].end_date = date(2026, 2, 28)
    session.commit()
    result = wuye("bill-run", "--period", "2026-03", "--community", "A", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (figures(result.output)["bills"], figures(result.output)["failed"]) == ("1", "1")
    assert "  A 1-1-102 " in result.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Bill)) == 0
    assert session.scalar(select(func.count()).select_from(BillingRun)) == 0


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--period", "2026-13"], "--period"),
        (["--period", "March"], "--period"),
        (["--period", "2026-03", "--community", "Z"], "--community"),
    ],
)
def test_bad_options_are_refused_naming_them(wuye, session, args, option):
    result = wuye("bill-run", *args)
    assert result.exit_code == 2 and f"Invalid value for {option}:" in result.output
    assert session.scalar(select(func.count()).select_from(BillingRun)) == 0
