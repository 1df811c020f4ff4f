"""Waivers and bill corrections through the screens."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.models import Bill, Waiver
from app.services.billing import run_billing


@pytest.fixture
def bill_id(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    return session.scalar(select(Bill.id).where(Bill.unit_id == 1))


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def test_customer_service_requests_and_a_manager_approves(login, session, bill_id):
    service = login("CustomerService")
    assert service.get(f"/billview/action/request_waiver/{bill_id}").status_code == 302
    service.post(
        f"/requestwaiverview/{bill_id}",
        data={
            "part": "principal",
            "amount": "50.00",
            "reason": "service_failure",
            "explanation": "电梯停运",
            "evidence": "维修记录 2026-03",
        },
    )
    waiver_id = session.scalar(select(Waiver.id))
    assert service.get(f"/approvewaiverview/{waiver_id}").status_code == 403
    manager = login("Manager")
    offered = manager.get(f"/waiverview/show/{waiver_id}").get_data(as_text=True)
    assert f"/waiverview/action/approve/{waiver_id}" in offered
    manager.post(f"/approvewaiverview/{waiver_id}", data={"reason": "同意"})
    decided = manager.get(f"/waiverview/show/{waiver_id}").get_data(as_text=True)
    for step in ("approve", "reject"):  # a decided waiver offers no decision
        assert f"/waiverview/action/{step}/{waiver_id}" not in decided
    session.rollback()
    assert (session.get(Waiver, waiver_id).status, str(session.get(Bill, bill_id).balance)) == (
        "approved",
        "153.75",
    )


def test_a_refused_request_names_the_field(login, session, bill_id):
    page = login("CustomerService").post(
        f"/requestwaiverview/{bill_id}",
        data={"part": "principal", "amount": "9999", "reason": "hardship"},
        follow_redirects=True,
    )
    assert "金额" in flashes(page)
    session.rollback()
    assert session.scalar(select(Waiver.id)) is None


def test_finance_reissues_a_bill_from_its_page(login, session, bill_id):
    client = login("Finance")
    assert client.get(f"/billview/action/reissue/{bill_id}").status_code == 302
    page = client.post(
        f"/reissuebillview/{bill_id}", data={"reason": "面积更正"}, follow_redirects=True
    )
    session.rollback()
    new = session.scalar(select(Bill).where(Bill.replaces_id == bill_id))
    assert new.number in flashes(page)
    assert session.get(Bill, bill_id).status == "cancelled"


@pytest.mark.parametrize("role", ["CustomerService", "Manager", "Auditor"])
def test_only_finance_cancels_bills(login, bill_id, role):
    assert login(role).get(f"/cancelbillview/{bill_id}").status_code == 403
