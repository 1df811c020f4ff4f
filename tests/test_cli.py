"""``flask wuye …`` commands: thin edges over the services (the rules are tested there)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Bill, BillingRun, Unit


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


# --- import-statement --------------------------------------------------------------------------

STATEMENT = (
    "date,amount,reference,method,payer_name,payer_account,remark\n"
    "2026-03-10,203.75,BT1,bank_transfer,张伟,6222000011115555,三月物业费\n"
    "2026-03-11,-5.00,RF1,bank_transfer,张伟,6222000011115555,退款\n"
)


def counts(output: str) -> dict[str, str]:
    line = next(line for line in output.splitlines() if line.startswith("matched: "))
    return dict(part.split(": ") for part in line.split("  "))


def test_import_statement_prints_the_counts_and_a_reimport_only_duplicates(wuye, session, tmp_path):
    from app.models import StatementEntry, StatementImport

    path = tmp_path / "march.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    first = wuye("import-statement", str(path))
    assert first.exit_code == 0, first.output
    assert counts(first.output) == {
        "matched": "0",
        "unmatched": "1",
        "duplicates": "0",
        "refunds": "1",
        "errors": "0",
        "matched automatically": "0.0%",
    }
    assert session.scalar(select(StatementImport.imported_by)) == "cli"
    again = wuye("import-statement", str(path), "--format", "generic")
    assert counts(again.output)["duplicates"] == "2"
    assert session.scalar(select(func.count()).select_from(StatementEntry)) == 2


def test_import_statement_fails_on_a_bad_file_naming_row_and_column(wuye, session, tmp_path):
    from app.models import StatementEntry

    path = tmp_path / "bad.csv"
    path.write_text(
        STATEMENT.replace("203.75", "abc").replace("2026-03-11", "2026-02-30"), encoding="utf-8"
    )
    result = wuye("import-statement", str(path))
    assert result.exit_code == 1
    assert counts(result.output)["errors"] == "2"
    assert "row 2, column amount: not a number" in result.output
    assert "row 3, column date: not a date" in result.output
    assert session.scalar(select(func.count()).select_from(StatementEntry)) == 0


def test_import_statement_for_one_community(wuye, session, tmp_path):
    from app.models import StatementEntry

    path = tmp_path / "b.csv"  # 1-1-101 and 1-1-102 are units of every community
    path.write_text(
        "date,amount,reference,method,payer_name,payer_account,remark\n"
        "2026-03-10,203.75,BT1,bank_transfer,张伟,,1-1-101物业费\n"
        "2026-03-10,206.25,BT2,bank_transfer,李娜,,1-1-102物业费\n",
        encoding="utf-8",
    )
    unknown = wuye("import-statement", str(path), "--community", "Z")
    assert unknown.exit_code == 2 and "no community 'Z'" in unknown.output
    result = wuye("import-statement", str(path), "--community", "B")
    assert result.exit_code == 0, result.output
    assert counts(result.output) == {
        "matched": "2",
        "unmatched": "0",
        "duplicates": "0",
        "refunds": "0",
        "errors": "0",
        "matched automatically": "100.0%",
    }
    assert session.scalars(select(StatementEntry.unit_id).order_by(StatementEntry.id)).all() == [
        3,
        4,
    ]  # B's units


def test_import_statement_with_an_unknown_format_fails(wuye, tmp_path):
    path = tmp_path / "march.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    result = wuye("import-statement", str(path), "--format", "nope")
    assert result.exit_code == 1 and "row 0: unknown format name" in result.output
