"""Waivers and bill cancellation through the API: wiring and who may do what."""

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Bill
from app.services.billing import run_billing


@pytest.fixture
def bill_id(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    return session.scalar(select(Bill.id).where(Bill.unit_id == 1))


def request_body(bill_id, **kw):
    return {
        "bill_id": bill_id,
        "part": "principal",
        "amount": "50.00",
        "reason": "service_failure",
        "explanation": "电梯停运",
    } | kw


def test_request_then_approve(client, api, session, bill_id):
    response = client.post(
        "/api/v1/waiver/", json=request_body(bill_id), headers=api("CustomerService")
    )
    assert response.status_code == 201 and response.json["status"] == "requested"
    waiver_id = response.json["id"]
    refused = client.post(
        f"/api/v1/waiver/{waiver_id}/approve", json={}, headers=api("CustomerService")
    )
    assert refused.status_code == 403
    approved = client.post(
        f"/api/v1/waiver/{waiver_id}/approve", json={"note": "同意"}, headers=api("Manager")
    )
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    session.rollback()
    assert str(session.get(Bill, bill_id).balance) == "153.75"


def test_bad_request_names_the_field(client, api, bill_id):
    response = client.post(
        "/api/v1/waiver/", json=request_body(bill_id, amount="-1"), headers=api("CustomerService")
    )
    assert response.status_code == 400 and "amount" in response.json["message"]


def test_reject_needs_a_note(client, api, bill_id):
    waiver_id = client.post(
        "/api/v1/waiver/", json=request_body(bill_id), headers=api("CustomerService")
    ).json["id"]
    response = client.post(f"/api/v1/waiver/{waiver_id}/reject", json={}, headers=api("Manager"))
    assert response.status_code == 400 and "decision_note" in response.json["message"]


@pytest.mark.parametrize("role", ["Finance", "Collector", "Auditor", "Manager"])
def test_only_customer_service_requests(client, api, bill_id, role):
    response = client.post("/api/v1/waiver/", json=request_body(bill_id), headers=api(role))
    assert response.status_code == 403


def test_finance_cancels_and_reissues_a_bill(client, api, session, bill_id):
    reissued = client.post(
        f"/api/v1/bill/{bill_id}/reissue", json={"reason": "面积更正"}, headers=api("Finance")
    )
    assert reissued.status_code == 201 and reissued.json["replaces_id"] == bill_id
    no_reason = client.post(
        f"/api/v1/bill/{reissued.json['id']}/cancel", json={}, headers=api("Finance")
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json["message"]
    forbidden = client.post(
        f"/api/v1/bill/{bill_id}/cancel", json={"reason": "x"}, headers=api("CustomerService")
    )
    assert forbidden.status_code == 403
