"""``wuye onboard-template`` and ``wuye onboard`` (docs/domain.md §14): the template reads back
as the import's own sheets; a check writes nothing, --commit writes all or nothing."""

from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.domain import onboarding as rules
from app.extensions import db
from app.models import AuditLog, Bill, Owner, Payment, Unit
from app.services.ledger import unit_credit
from tests.services.test_onboarding import OWNERS, UNITS, workbook


def units(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Unit))


def test_the_template_has_a_sheet_per_kind_with_its_header(wuye, tmp_path):
    out = tmp_path / "template.xlsx"
    result = wuye("onboard-template", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == [sheet.zh for sheet in rules.SHEETS.values()]
    for key, sheet in rules.SHEETS.items():
        rows = list(book[sheet.zh].iter_rows(values_only=True))
        assert list(rows[0]) == rules.template_rows()[key][0]
        assert len(rows) == 2  # the header, an example
    book.close()


def test_a_check_writes_nothing_and_a_commit_writes_it_all(wuye, session, tmp_path):
    path = tmp_path / "moving-in.xlsx"
    path.write_bytes(workbook(units=UNITS, owners=OWNERS))
    before = units(session)
    checked = wuye("onboard", str(path))
    assert checked.exit_code == 0, checked.output
    assert "created units: 3" in checked.output and "nothing written" in checked.output
    assert units(session) == before
    written = wuye("onboard", str(path), "--commit")
    assert written.exit_code == 0 and "written" in written.output
    assert units(session) == before + 3
    assert session.scalar(select(Owner.name).where(Owner.phone == "13800001111")) == "王小明"


def test_a_bad_file_prints_each_problem_in_both_languages_and_writes_nothing(
    wuye,
    session,
    tmp_path,
):
    path = tmp_path / "bad.xlsx"
    bad = [["A", "2", "2-1-101", "王小明", "1380000111", None, "2025-01-01"]]
    path.write_bytes(workbook(units=UNITS, owners=bad))
    before = units(session)
    result = wuye("onboard", str(path), "--commit")
    assert result.exit_code == 1
    line = next(
        line
        for line in result.output.splitlines()
        if line.startswith("业主 [owners] row 2 手机 [phone]")
    )
    assert " / " in line and any("\u4e00" <= c <= "\u9fff" for c in line.split(":", 1)[1])
    assert "nothing written" in result.output
    assert units(session) == before


def test_a_whole_company_moves_in_with_its_money(any_app, tmp_path):
    """Every sheet at once, through the command, on both databases: the arrears become bills
    and the prepaid amount credit, in one transaction, audited."""
    arrears = [
        ["A", "2", "2-1-101", "2025-11", "221.25", "2025-11-30", "物业服务费"],
        ["A", "2", "2-1-101", "2025-12", "221.25", "2025-12-31", "物业服务费"],
    ]
    prepaid = [["A", "2", "2-1-102", "600.00"]]
    path = tmp_path / "company.xlsx"
    path.write_bytes(workbook(units=UNITS, owners=OWNERS, opening_arrears=arrears, prepaid=prepaid))
    result = any_app.test_cli_runner().invoke(args=["wuye", "onboard", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    assert "created bills: 2" in result.output and "created prepaid: 1" in result.output
    with any_app.app_context():
        session = db.session
        bills = session.scalars(select(Bill).where(Bill.kind == "opening")).all()
        assert sorted(b.total for b in bills) == [Decimal("221.25")] * 2
        assert {b.owner.name for b in bills} == {"王小明"}
        payment = session.scalars(select(Payment).where(Payment.method == "opening")).one()
        assert (payment.amount, payment.recorded_by, payment.receipt) == (
            Decimal("600.00"),
            "cli",
            None,
        )
        assert unit_credit(session, payment.unit_id) == Decimal("600.00")
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "onboard")).one()
        assert (audit.username, audit.changes["created bills"]) == ("cli", 2)
        created = select(AuditLog.row_id).where(
            AuditLog.action == "create", AuditLog.table_name == "bill"
        )
        assert {int(row) for row in session.scalars(created)} >= {b.id for b in bills}
    again = any_app.test_cli_runner().invoke(args=["wuye", "onboard", str(path), "--commit"])
    assert again.exit_code == 0 and "nothing to change" in again.output
