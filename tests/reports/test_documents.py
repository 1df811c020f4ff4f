"""Payment notices and receipts rendered to real PDFs and read back with poppler-utils."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from app.models import Bill, Community
from app.services.accounts import account_statement
from app.services.billing import run_billing
from app.services.bills import cancel_bill
from app.services.dunning import scan_dunning
from app.services.errors import DomainError, NotFoundError
from app.services.payments import record_payment, reverse_payment
from reports import qr_code, render_batch, render_html, render_pdf
from reports.context import dunning_letter_context, notice_context, receipt_context
from tests.factories import make_tariff
from tests.reports import pdf

MARCH_20 = datetime(2026, 3, 20, 2, tzinfo=UTC)  # 10:00 in Shanghai


def translated(message: str, lang: str = "zh", **values) -> str:
    with force_locale(lang):
        return gettext(message, **values)


@pytest.fixture
def community_a(session):
    community = session.get(Community, 1)
    community.payee_name = "安居物业服务有限公司"
    community.payee_bank = "中国工商银行安居支行"
    community.payee_account = "6222 0210 0100 8888"
    community.payment_instructions = "可通过微信、支付宝扫码或银行转账缴费。"
    community.phone = "010-8888 6666"
    return community


@pytest.fixture
def three_months(session, community_a):
    """Units of community A billed March to May 2026 for property fees and parking."""
    make_tariff(
        session,
        community_a,
        code="TCF",
        name="停车费",
        fee_kind="parking",
        basis="fixed",
        price=D("1250"),
    )
    for month in (3, 4, 5):
        run_billing(session, date(2026, month, 1), community_id=1)
    return session.scalars(select(Bill).where(Bill.unit_id == 1).order_by(Bill.due_date)).all()


def test_a_notice_shows_lines_arrears_late_fees_and_how_to_pay(session, three_months):
    may = three_months[-1]
    context = notice_context(session, may.id, as_of=date(2026, 5, 20))
    # due 30 days after the period starts: March 31 is 50 days late, May 1 19 days, at
    # 0.05 %/day on 1,453.75 -> 36.34 + 13.81
    assert (context["charges"], context["arrears"], context["late_fees"], context["total_due"]) == (
        D("1453.75"),
        D("2907.50"),
        D("50.15"),
        D("4411.40"),
    )
    document = render_pdf("notice.html", context)
    text = pdf.text(document)
    for expected in (
        "安居小区",
        "A业主甲",
        "1-1-101",
        may.number,
        "物业服务费",
        "停车费",
        "81.50",
        "2.50",
        "203.75",
        "1,250.00",
        "1,453.75",
        "2,907.50",
        "50.15",
        "4,411.40",
        "2026-05-01",
        "2026-05-31",
        "安居物业服务有限公司",
        "中国工商银行安居支行",
        "6222 0210 0100 8888",
        "可通过微信、支付宝扫码或银行转账缴费。",
        "010-8888 6666",
        translated("Payment notice"),
        "缴费码",
        "10000016",  # unit 1's payment code, asked for in the transfer's remark
        "“缴费码 10000016”",
    ):
        assert expected in text, expected
    assert pdf.page_count(document) == 1


def test_amounts_are_right_aligned(session, three_months):
    document = render_pdf(
        "notice.html", notice_context(session, three_months[0].id, as_of=date(2026, 3, 1))
    )
    lines = pdf.text(document).splitlines()
    small, large = (
        next(line for line in lines if "物业服务费" in line),
        next(line for line in lines if "停车费" in line),
    )
    # right-aligned: the amounts end in the same column, whatever their width
    assert small.rstrip().endswith("203.75") and large.rstrip().endswith("1,250.00")
    assert len(small.rstrip()) == len(large.rstrip())


def test_the_cjk_font_is_embedded(session, three_months):
    fonts = pdf.fonts(render_pdf("notice.html", notice_context(session, three_months[0].id)))
    assert fonts and all(f["embedded"] and f["subset"] for f in fonts)
    assert any("WenQuanYi" in f["name"] or "NotoSansCJK" in f["name"] for f in fonts)


def test_the_notice_of_the_latest_bill_asks_for_the_statement_total(session, three_months):
    record_payment(session, 1, "2000", "cash", paid_at=datetime(2026, 4, 10, 2, tzinfo=UTC))
    as_of = date(2026, 6, 15)
    context = notice_context(session, three_months[-1].id, as_of=as_of)
    statement = account_statement(session, 1, as_of)
    assert context["total_due"] == statement.total_due
    assert context["total_due"] == (
        context["charges"]
        - context["settled"]
        + context["arrears"]
        + context["late_fees"]
        - context["credit"]
    )


def test_credit_pays_what_a_notice_asks_for(session, community_a):
    run_billing(session, date(2026, 3, 1), community_id=1)
    record_payment(session, 1, "500", "cash", paid_at=MARCH_20)  # 203.75 due: 296.25 credit
    run_billing(session, date(2026, 4, 1), community_id=1)  # credit pays April
    april = session.scalar(
        select(Bill).where(Bill.unit_id == 1, Bill.period_start == date(2026, 4, 1))
    )
    context = notice_context(session, april.id, as_of=date(2026, 4, 2))
    assert (context["settled"], context["credit"], context["total_due"]) == (
        D("203.75"),
        D("0.00"),
        D("0.00"),
    )


def test_no_notice_for_a_cancelled_or_unknown_bill(session, three_months):
    cancel_bill(session, three_months[0].id, "录错面积")
    with pytest.raises(DomainError):
        notice_context(session, three_months[0].id)
    with pytest.raises(NotFoundError):
        notice_context(session, 999)


@pytest.fixture
def receipt(session, community_a):
    """1,234.50 paid by bank transfer for unit 1-1-101 owing only March's 203.75."""
    run_billing(session, date(2026, 3, 1), community_id=1)
    result = record_payment(
        session,
        1,
        "1234.50",
        "bank_transfer",
        reference="BT-20260320-01",
        paid_at=MARCH_20,
        actor="finance",
    )
    return result.payment.receipt


def test_a_receipt_shows_the_allocations_the_credit_and_the_amount_in_words(session, receipt):
    document = render_pdf("receipt.html", receipt_context(session, receipt.id))
    text = pdf.text(document)
    for expected in (
        "A-2026-000001",
        "安居小区",
        "1-1-101",
        "A业主甲",
        "2026-03-20 10:00",
        "BT-20260320-01",
        translated("Bank transfer"),
        "A-202603-",
        "203.75",
        "1,030.75",
        "1,234.50",
        "壹仟贰佰叁拾肆元伍角整",
        "测试Finance",  # the cashier by name, not by login
        "开具时间",
        translated("Receipt"),
    ):
        assert expected in text, expected
    assert "作废" not in text
    assert pdf.page_count(document) == 1  # its signature block too
    assert pdf.page_size_mm(document) == (210, 148)  # A5 landscape: half a sheet of A4


def test_a_reversed_payment_prints_a_void_receipt(session, receipt):
    reverse_payment(session, receipt.payment_id, "重复入账")
    text = pdf.text(render_pdf("receipt.html", receipt_context(session, receipt.id)))
    assert "作废" in text and "重复入账" in text
    assert "1,234.50" in text  # still what was received


def test_a_receipt_stays_as_issued_when_its_credit_pays_later_bills(session, receipt):
    before = receipt_context(session, receipt.id)
    run_billing(session, date(2026, 4, 1), community_id=1)  # the credit pays April
    after = receipt_context(session, receipt.id)
    assert after == before
    assert before["credit_added"] == D("1030.75")
    assert len(before["allocations"]) == 1


def test_an_unknown_receipt(session):
    with pytest.raises(NotFoundError):
        receipt_context(session, 999)


def test_the_document_speaks_its_language(session, receipt):
    context = receipt_context(session, receipt.id)
    assert '<html lang="zh-CN">' in render_html("receipt.html", [context])
    english = render_html("receipt.html", [context], lang="en")
    assert '<html lang="en">' in english and "Bank transfer" in english
    assert "壹仟贰佰叁拾肆元伍角整" in english  # capital numerals on every receipt
    with pytest.raises(ValueError):
        render_html("receipt.html", [context], lang="fr")


def test_a_batch_is_one_document_with_each_context_on_pages_of_its_own(session, three_months):
    first, second = (
        notice_context(session, bill.id, as_of=date(2026, 5, 20)) for bill in three_months[:2]
    )
    long = first | {"number": "LONG-1", "lines": first["lines"] * 15}  # spills over a page
    batch = render_batch("notice.html", [first, long, second])
    assert batch.pages == [range(0, 1), range(1, 3), range(3, 4)]
    assert pdf.page_count(batch.write_pdf()) == 4
    alone = batch.pdf_of(1)
    assert pdf.page_count(alone) == 2
    pages = pdf.text(alone).split("\f")
    for number, page in enumerate(pages[:2], start=1):  # page numbers restart per document
        assert "LONG-1" in page and translated("Page %(page)s", page=number) in page
    assert first["number"] not in pdf.text(alone)
    assert translated("Page %(page)s", page=1) in pdf.text(batch.pdf_of(2))


def test_a_dunning_letter_names_each_unit_with_its_payment_code(session, community_a):
    run_billing(session, date(2026, 1, 1), community_id=1)
    scan_dunning(session, date(2026, 3, 2))  # 30 days overdue: straight to the formal letter
    context = dunning_letter_context(session, 1, date(2026, 3, 2))
    text = pdf.text(render_pdf("dunning_letter.html", context))
    assert "A业主甲" in text and "1-1-101" in text
    assert "缴费码 10000016" in text


def test_the_notice_carries_its_payment_code_and_total_as_a_qr_code(session, three_months):
    context = notice_context(session, three_months[-1].id, as_of=date(2026, 5, 1))
    html = render_html("notice.html", [context])
    total = translated("Total due (¥)")
    payload = f"缴费码 10000016 · {total} {context['total_due']:,.2f}"
    assert qr_code(payload).startswith("data:image/svg+xml")
    assert 'class="qr"' in html and escape(qr_code(payload)) in html
    assert qr_code(payload) != qr_code(payload.replace("10000016", "10000024"))
    document = render_pdf("notice.html", context)
    assert pdf.page_count(document) == 1  # the code fits beside the notes
