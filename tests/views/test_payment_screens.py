"""The cashier's screens: record a payment, see its receipt, reverse it."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.clock import business_date
from app.models import Bill, Payment, Receipt
from app.services.accounts import account_statement
from app.services.billing import run_billing

FORM = {
    "community": "1",
    "unit_code": "1-1-101",
    "amount": "203.75",
    "method": "cash",
    "reference": "",
    "paid_at": "2026-03-20T10:00",
}


@pytest.fixture
def billed(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def test_a_cashier_records_a_payment_and_lands_on_its_receipt(login, session, billed):
    page = login("Finance").post("/recordpaymentformview/record", data=FORM, follow_redirects=True)
    assert "A-2026-000001" in flashes(page)
    session.rollback()
    bill = session.scalar(select(Bill).where(Bill.unit_id == 1))
    assert (bill.status, bill.paid) == ("paid", bill.total)
    payment = session.scalar(select(Payment))
    assert payment.paid_at.isoformat() == "2026-03-20T02:00:00+00:00"  # 10:00 in Shanghai
    assert payment.recorded_by == "finance"


def test_the_till_shows_what_a_unit_owes_before_the_payment(login, session, billed):
    bill = session.scalar(select(Bill).where(Bill.unit_id == 1))
    client = login("Finance")
    page = client.get("/recordpaymentformview/record?community=1&unit_code=1-1-101")
    html = page.get_data(as_text=True)
    owed = html[html.index('id="owed"') :]
    owed = owed[: owed.index("</table>")]
    due = account_statement(session, 1, business_date()).total_due  # with its late fee
    assert bill.number in owed and f"<strong>{due:,.2f}</strong>" in owed and "今日应缴" in owed
    assert 'value="1-1-101"' in html[html.index('id="wuye_form"') :]  # the till is filled in
    for unknown in ("community=1&unit_code=9-9-999", "community=2&unit_code=1-1-101"):
        page = client.get(f"/recordpaymentformview/record?{unknown}")
        assert page.status_code == 200 and "找不到该房屋" in page.get_data(as_text=True)
    nonsense = client.get("/recordpaymentformview/record?community=x&unit_code=1-1-101")
    assert nonsense.status_code == 200 and "找不到该房屋" in nonsense.get_data(as_text=True)


def test_the_till_looks_a_unit_up_by_owner_name_or_phone_tail(login, session, billed):
    client = login("Finance")  # community A only
    for text in ("A业主甲", "5678", "1-1-101"):  # 138 1234 5678: A业主甲's phone
        html = client.get(f"/recordpaymentformview/record?find={text}").get_data(as_text=True)
        assert 'id="owed"' in html and 'id="lookup_matches"' not in html, text
        till = html[html.index('id="wuye_form"') :]
        assert 'value="1-1-101"' in till and '<option selected value="1">' in till, text
    many = client.get("/recordpaymentformview/record?find=业主").get_data(as_text=True)
    picks = many[many.index('id="lookup_matches"') :]
    picks = picks[: picks.index("</table>")]
    assert "A业主甲" in picks and "A业主乙" in picks and "B业主" not in picks  # not her community
    assert "community=1&amp;unit_code=1-1-102" in picks
    assert "139****5679" in picks and "13912345679" not in picks  # a cashier sees it masked
    assert 'id="owed"' not in many
    none = client.get("/recordpaymentformview/record?find=无此人").get_data(as_text=True)
    assert "找不到该房屋" in none and 'id="owed"' not in none


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [("amount", "-1", "金额"), ("unit_code", "9-9-999", "房屋"), ("community", "2", "小区")],
)
def test_a_refused_payment_says_why_and_writes_nothing(login, session, billed, field, value, label):
    page = login("Finance").post(
        "/recordpaymentformview/record", data=FORM | {field: value}, follow_redirects=True
    )
    assert label in flashes(page) or label in page.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(Payment)) is None


def test_reverse_from_the_payment_page(login, session, billed):
    client = login("Finance")
    client.post("/recordpaymentformview/record", data=FORM)
    payment_id = session.scalar(select(Payment.id))
    assert client.get(f"/paymentview/action/reverse/{payment_id}").status_code == 302
    client.post(
        f"/reversepaymentformview/{payment_id}", data={"reason": "收错房号"}, follow_redirects=True
    )
    session.rollback()
    receipt = session.scalar(select(Receipt))
    assert (receipt.void, receipt.void_reason) == (True, "收错房号")
    assert session.scalar(select(Bill.status).where(Bill.unit_id == 1)) == "open"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Finance", 200),
        ("Admin", 200),
        ("CustomerService", 403),
        ("Manager", 403),
        ("Auditor", 403),
        ("Collector", 403),
    ],
)
def test_who_may_use_the_till(login, role, status):
    assert login(role).get("/recordpaymentformview/record").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("CustomerService", 200), ("Auditor", 200), ("Collector", 403)]
)
def test_who_reads_payments_and_receipts(login, role, status):
    client = login(role)
    assert client.get("/paymentview/list/").status_code == status
    assert client.get("/receiptview/list/").status_code == status
