"""Installment agreements through the API: drafting, the signed scan, the manager's decision,
who may do what, community scope, and the agreement PDF read back with poppler."""

from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.models import Bill, Community, InstallmentAgreement, Instalment, Tariff
from app.services.billing import run_billing
from app.services.installments import approve_installment
from app.services.payments import record_payment
from tests.factories import make_tariff
from tests.installments import (
    AGREED_ON,
    SCAN,
    bill_first_quarter,
    bill_ids,
    draft_body,
    signed_draft,
)
from tests.reports import pdf

BASE = "/api/v1/installment/"


@pytest.fixture
def billed(session):
    bill_first_quarter(session)


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_customer_service_drafts_and_a_manager_approves(client, api, session, billed):
    drafted = client.post(BASE, json=draft_body(), headers=api("CustomerService"))
    assert drafted.status_code == 201, drafted.json
    body = drafted.json
    assert (body["status"], body["covered_total"], body["down_payment"]) == (
        "draft",
        "611.25",
        "100.00",
    )
    assert [(i["seq"], i["due_date"], i["amount"]) for i in body["schedule"]] == [
        (0, "2026-04-15", "100.00"),
        (1, "2026-05-10", "170.41"),
        (2, "2026-06-10", "170.41"),
        (3, "2026-07-10", "170.43"),
    ]
    pk = body["id"]
    no_scan = client.post(f"{BASE}{pk}/approve", json={}, headers=api("Manager"))
    assert no_scan.status_code == 400 and "signed_scan" in no_scan.json["message"]
    scan = {"file": (BytesIO(SCAN), "signed.pdf")}
    attached = client.post(f"{BASE}{pk}/scan", data=scan, headers=api("CustomerService"))
    assert attached.status_code == 200 and attached.json["signed_scan"] is True
    refused = client.post(f"{BASE}{pk}/approve", json={}, headers=api("CustomerService"))
    assert refused.status_code == 403
    approved = client.post(f"{BASE}{pk}/approve", json={"note": "同意"}, headers=api("Manager"))
    assert approved.status_code == 200 and approved.json["status"] == "active"
    shown = client.get(f"{BASE}{pk}", headers=api("Finance")).json
    assert shown["result"]["status"] == "active" and shown["result"]["paid"] == "0.00"
    assert len(shown["result"]["schedule"]) == 4 and shown["result"]["unit"]["code"] == "1-1-101"


def test_a_schedule_off_by_one_fen_is_refused(client, api, session, billed):
    schedule = [
        {"due_date": "2026-05-10", "amount": "300.00"},
        {"due_date": "2026-06-10", "amount": "211.24"},
    ]
    body = draft_body(instalments=None, first_due=None, schedule=schedule)
    response = client.post(BASE, json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    assert list(response.json["message"]) == ["schedule"]
    assert count(session, InstallmentAgreement) == 0
    schedule[-1]["amount"] = "211.25"
    assert client.post(BASE, json=body, headers=api("CustomerService")).status_code == 201


def test_a_paid_bill_is_refused_with_a_clear_message_and_nothing_written(
    client, api, session, billed
):
    record_payment(session, 1, "203.75", "cash")
    session.commit()
    first, second, _third = bill_ids(session, 1)
    body = draft_body(bill_ids=[first, second])
    response = client.post(BASE, json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    (message,) = response.json["message"]["bill_ids"]  # one clear reason, naming the bill
    assert session.get(Bill, first).number in message
    assert count(session, InstallmentAgreement) == count(session, Instalment) == 0


@pytest.mark.parametrize(
    ("role", "list_", "post", "approve", "export"),
    [
        ("Admin", 200, 201, 200, 200),
        ("Manager", 200, 403, 200, 200),
        ("Finance", 200, 403, 403, 403),
        ("CustomerService", 200, 201, 403, 403),
        ("Collector", 403, 403, 403, 403),
        ("Auditor", 200, 403, 403, 200),
    ],
)
def test_who_may_do_what(client, api, session, billed, role, list_, post, approve, export):
    pk = signed_draft(session, 2)
    headers = api(role)
    assert client.get(BASE, headers=headers).status_code == list_
    assert client.post(BASE, json=draft_body(), headers=headers).status_code == post
    assert client.post(f"{BASE}{pk}/approve", json={}, headers=headers).status_code == approve
    assert client.get(f"{BASE}export/?format=csv", headers=headers).status_code == export


def test_a_rejection_needs_a_note(client, api, session, billed):
    pk = signed_draft(session, 1)
    response = client.post(f"{BASE}{pk}/reject", json={}, headers=api("Manager"))
    assert response.status_code == 400 and "decision_note" in response.json["message"]
    response = client.post(f"{BASE}{pk}/reject", json={"note": "首付太少"}, headers=api("Manager"))
    assert response.status_code == 200 and response.json["status"] == "rejected"


def test_another_communitys_agreement_is_404(client, api, session, billed):
    other = signed_draft(session, 3)
    for path in (f"{BASE}{other}", f"{BASE}{other}/pdf"):
        assert client.get(path, headers=api("Manager")).status_code == 404
        assert client.get(path, headers=api("Auditor")).status_code == 200
    approve = client.post(f"{BASE}{other}/approve", json={}, headers=api("Manager"))
    assert approve.status_code == 404
    drafted = client.post(BASE, json=draft_body(unit_id=3), headers=api("CustomerService"))
    assert drafted.status_code == 404 and "unit_id" in drafted.json["message"]
    listed = client.get(BASE, headers=api("Manager")).json
    assert other not in listed["ids"]


def test_the_agreement_pdf_shows_owner_unit_amounts_and_schedule(client, api, session):
    community = session.get(Community, 1)
    community.payee_name = "安居物业服务有限公司"
    make_tariff(
        session,
        community,
        code="TCF",
        name="停车费",
        fee_kind="parking",
        basis="fixed",
        price=1250,
    )
    for tariff in session.scalars(select(Tariff)):
        tariff.late_fee_daily_rate = 0
    for month in (1, 2, 3):
        run_billing(session, AGREED_ON.replace(month=month, day=1), community_id=1)
    session.commit()
    drafted = client.post(BASE, json=draft_body(), headers=api("CustomerService")).json
    response = client.get(f"{BASE}{drafted['id']}/pdf", headers=api("Finance"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf.text(response.data)
    for expected in (
        drafted["number"],
        "A业主甲",
        "安居小区",
        "1-1-101",
        "安居物业服务有限公司",
        "1,453.75",  # each bill: 203.75 + 1,250.00
        "4,361.25",  # the covered total
        "1,420.41",  # (4,361.25 - 100) / 3 = 1,420.416…: twice, the last 1,420.43
        "1,420.43",
        "2026-04-15",
        "2026-05-10",
        "2026-07-10",
        "肆仟叁佰陆拾壹元贰角伍分",
    ):
        assert expected in text, expected
    assert all(font["embedded"] for font in pdf.fonts(response.data))


def test_the_dunning_scan_ends_agreements_first(client, api, session, billed):
    pk = signed_draft(session, 1)
    approve_installment(session, pk, "manager")
    session.commit()
    # instalment 1 (10 May) unpaid: 16 days late on 26 May, beyond the 15 grace days
    response = client.post(
        "/api/v1/dunning/scan", json={"as_of": "2026-05-26"}, headers=api("Admin")
    )
    assert response.status_code == 200
    session.rollback()
    assert session.get(InstallmentAgreement, pk).status == "defaulted"
