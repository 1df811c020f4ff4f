"""Installment agreement screens: customer service drafts and attaches the signed scan, only a
manager approves, the agreement's page shows its schedule, the PDF prints, scope holds."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from app.models import Bill, InstallmentAgreement, Setting
from app.services.payments import record_payment
from tests.installments import SCAN, bill_first_quarter, signed_draft
from tests.reports import pdf

FORM = {
    "community": "1",
    "unit_code": "1-1-101",
    "kind": "installment",
    "bills": "",
    "agreed_on": "2026-04-15",
    "down_payment": "100.00",
    "instalments": "3",
    "first_due": "2026-05-10",
}


@pytest.fixture
def billed(session):
    bill_first_quarter(session)


def flashes(page) -> str:
    text = page.get_data(as_text=True)
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', text, re.S))


def test_customer_service_drafts_attaches_the_scan_and_a_manager_approves(login, session, billed):
    service = login("CustomerService")
    assert service.get("/installmentdraftformview/draft").status_code == 200
    drafted = service.post("/installmentdraftformview/draft", data=FORM)
    assert drafted.status_code == 302
    session.rollback()
    agreement = session.scalar(select(InstallmentAgreement))
    assert (agreement.status, agreement.covered_total, agreement.drafted_by) == (
        "draft",
        Decimal("611.25"),
        "customerservice",
    )
    upload = {"file": (BytesIO(SCAN), "signed.pdf")}
    attached = service.post(f"/attachscanview/{agreement.id}", data=upload)
    assert attached.status_code == 302
    assert service.get(f"/approveinstallmentview/{agreement.id}").status_code == 403
    manager = login("Manager")
    with manager.get(f"/installmentagreementview/signed/{agreement.id}") as scan:
        assert scan.data == SCAN
    page = manager.get(f"/installmentagreementview/show/{agreement.id}").get_data(as_text=True)
    assert f"/installmentagreementview/action/approve/{agreement.id}" in page
    approved = manager.post(f"/approveinstallmentview/{agreement.id}", data={"reason": "同意"})
    assert approved.status_code == 302
    session.rollback()
    assert session.get(InstallmentAgreement, agreement.id).status == "active"
    page = manager.get(f"/installmentagreementview/show/{agreement.id}").get_data(as_text=True)
    assert "/action/" not in page  # an active agreement: no step of the draft is offered
    assert page.count(f"/installmentagreementview/pdf/{agreement.id}") == 1  # one print button


def test_the_form_names_a_paid_bill_and_writes_nothing(login, session, billed):
    record_payment(session, 1, "203.75", "cash")
    session.commit()
    number = session.scalar(select(Bill.number).where(Bill.unit_id == 1, Bill.status == "paid"))
    page = login("CustomerService").post(
        "/installmentdraftformview/draft", data=FORM | {"bills": number}, follow_redirects=True
    )
    assert number in flashes(page)
    session.rollback()
    assert session.scalar(select(InstallmentAgreement.id)) is None


def test_the_agreements_page_shows_the_schedule_with_what_was_paid(login, session, billed):
    pk = signed_draft(session, 1)
    record_payment(session, 1, "150.00", "cash")
    session.commit()
    page = login("Finance").get(f"/installmentagreementview/show/{pk}").get_data(as_text=True)
    schedule = page[page.index('id="installment_schedule"') :]
    assert "170.41" in schedule and "170.43" in schedule
    assert "150.00" in schedule and "50.00" in schedule  # the down payment, then instalment 1
    assert f"/installmentagreementview/pdf/{pk}" in page


def test_the_agreement_prints_and_other_communities_stay_hidden(login, session, billed):
    own, other = signed_draft(session, 1), signed_draft(session, 3)
    client = login("Manager")
    response = client.get(f"/installmentagreementview/pdf/{own}")
    assert response.mimetype == "application/pdf"
    assert "A业主甲" in pdf.text(response.data)
    for path in ("show", "pdf", "signed"):
        assert client.get(f"/installmentagreementview/{path}/{other}").status_code == 404
    refused = client.post(f"/approveinstallmentview/{other}", data={"reason": "同意"})
    assert refused.status_code == 200 and flashes(refused)  # the form again, with the refusal
    session.rollback()
    assert session.get(InstallmentAgreement, other).status == "draft"  # refused: unknown to them


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 200),
        ("CustomerService", 200),
        ("Collector", 403),
        ("Auditor", 200),
    ],
)
def test_who_sees_the_list_and_the_draft_form(login, role, status):
    client = login(role)
    assert client.get("/installmentagreementview/list/").status_code == status
    may_draft = role in ("Admin", "CustomerService")
    assert client.get("/installmentdraftformview/draft").status_code == (200 if may_draft else 403)


def test_party_a_is_the_property_service_company_with_its_seal(login, session, billed):
    """Not the community (a place, not a party): the administrator's company settings (else
    the community's payee, else its name)."""
    pk = signed_draft(session, 1)
    client = login("Manager")
    session.add_all(
        [
            Setting(key="company_name", value="安居物业服务集团有限公司"),
            Setting(key="company_seal", value="安居物业服务集团有限公司合同专用章"),
        ]
    )
    session.commit()
    after = " ".join(pdf.text(client.get(f"/installmentagreementview/pdf/{pk}").data).split())
    assert "甲方 安居物业服务集团有限公司 乙方 A业主甲" in after
    assert "甲方（盖章）: 安居物业服务集团有限公司" in after and "集团有限公司合同专用章" in after
