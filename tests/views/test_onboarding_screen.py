"""导入资料 (app/views/onboarding.py): the template, a check that writes nothing and shows every
problem, then 确认导入 that writes the same file all at once; Admin's only."""

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import Bill, Payment, Unit
from tests.services.test_onboarding import OWNERS, UNITS, workbook


def units(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Unit))


def upload(client, data: bytes):
    body = {"file": (io.BytesIO(data), "moving-in.xlsx"), "sheet": ""}
    return client.post("/onboarding/", data=body, content_type="multipart/form-data")


def test_the_template_downloads_with_its_sheets(login):
    answer = login("Admin").get("/onboarding/template")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert book.sheetnames == ["房屋", "业主", "期初欠费", "预存"]
    book.close()


def test_a_clean_file_is_checked_then_confirmed(web, files_dir):
    """On SQLite and PostgreSQL, with the company's money: opening arrears and a prepaid
    amount are written with the units, by the screen's confirm."""
    login, session = web
    client = login("Admin")
    before = units(session)
    arrears = [["A", "2", "2-1-101", "2025-12", "221.25", "2025-12-31", "物业服务费"]]
    prepaid = [["A", "2", "2-1-102", "300.00"]]
    data = workbook(units=UNITS, owners=OWNERS, opening_arrears=arrears, prepaid=prepaid)
    page = upload(client, data).get_data(as_text=True)
    assert 'id="onboarding_report"' in page and "未写入" in page
    assert "新建 期初欠费账单 1" in page and "新建 预存款 1" in page
    assert units(session) == before
    kept = re.search(r'name="kept" value="([0-9a-f]{64})"', page).group(1)
    done = client.post("/onboarding/confirm", data={"kept": kept}, follow_redirects=True)
    assert done.status_code == 200 and units(session) == before + 3
    assert "已导入" in done.get_data(as_text=True)
    opening = session.scalars(select(Bill).where(Bill.kind == "opening")).one()
    assert (opening.total, opening.unit.code) == (Decimal("221.25"), "2-1-101")
    assert session.scalar(select(Payment.amount).where(Payment.method == "opening")) == Decimal(
        "300.00"
    )
    again = client.post("/onboarding/confirm", data={"kept": kept})
    assert again.status_code == 404  # the kept file goes once written


def test_a_bad_file_lists_its_problems_in_chinese_and_offers_no_confirm(login, session):
    bad = [["A", "2", "2-1-101", "王小明", "1380000111", None, "2025-01-01"]]
    page = upload(login("Admin"), workbook(units=UNITS, owners=bad)).get_data(as_text=True)
    table = page[page.index('id="onboarding_problems"') :]
    assert "业主 [owners]" in table and "手机 [phone]" in table and "不是 11 位手机号码" in table
    assert 'id="onboarding_confirm"' not in page


def test_only_the_administrator_opens_it(login):
    for role in ("Manager", "Finance", "CustomerService", "Auditor"):
        assert login(role).get("/onboarding/").status_code in (302, 403), role
    bogus = login("Admin").post("/onboarding/confirm", data={"kept": "../../etc/passwd"})
    assert bogus.status_code == 404
