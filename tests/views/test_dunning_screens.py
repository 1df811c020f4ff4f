"""Dunning screens: levels (Admin edits, art. 944 refusal), cases and actions, and a manager's
decision on a legal-action proposal with its evidence pack."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.audit import acting_as
from app.models import DunningAction, DunningLevel, OutboxMessage
from app.services.billing import run_billing
from app.services.delivery import mark_posted
from jobs import wait
from jobs.dunning import scan
from tests.reports import pdf


@pytest.fixture
def proposals(session):
    """Community A's two units, proposed for legal action on 30 July (letters posted 3 March)."""
    run_billing(session, date(2026, 1, 1), 1)
    session.commit()
    with acting_as("scan"):
        scan("2026-03-02")  # the daily job: records the letters and renders them
        assert wait(60)
        for letter in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "letter")):
            mark_posted(session, letter.id, datetime(2026, 3, 3, 2, tzinfo=UTC))
        session.commit()
        scan("2026-07-30")
    return session.scalars(
        select(DunningAction.id)
        .where(DunningAction.kind == "legal_proposal")
        .order_by(DunningAction.id)
    ).all()


def test_an_admin_edits_a_level(login, session):
    client = login("Admin")
    level = session.scalar(select(DunningLevel).where(DunningLevel.level == 3))
    form = {
        "name": level.name,
        "days": "45",
        "min_amount": "0.00",
        "channel": "phone",
        "template": "key_follow_up",
        "active": "y",
    }
    response = client.post(f"/dunninglevelview/edit/{level.id}", data=form)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(DunningLevel, level.id).days == 45


def test_a_cut_off_level_is_refused_on_the_form(login, session):
    client = login("Admin")
    level = session.scalar(select(DunningLevel).where(DunningLevel.level == 4))
    form = {
        "name": "停水停电",
        "days": "180",
        "min_amount": "0.00",
        "channel": "letter",
        "template": "legal_proposal",
        "active": "y",
    }
    page = client.post(f"/dunninglevelview/edit/{level.id}", data=form, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "944" in page
    session.expire_all()
    assert session.get(DunningLevel, level.id).name == "法律途径"


@pytest.mark.parametrize(
    ("role", "list_status", "edit_status"),
    [
        ("Admin", 200, 200),
        ("Manager", 200, 403),
        ("Finance", 200, 403),
        ("CustomerService", 200, 403),
        ("Collector", 403, 403),
        ("Auditor", 200, 403),
    ],
)
def test_who_reads_and_edits_levels(login, role, list_status, edit_status):
    client = login(role)
    assert client.get("/dunninglevelview/list/").status_code == list_status
    assert client.get("/dunninglevelview/edit/1").status_code == edit_status


def test_cases_and_actions_are_listed(login, proposals):
    client = login("Finance")
    cases = client.get("/dunningcaseview/list/").get_data(as_text=True)
    actions = client.get("/dunningactionview/list/").get_data(as_text=True)
    assert "1-1-101" in cases and "1-1-102" in cases
    assert "1-1-101" in actions
    assert client.get("/legalproposalview/list/").status_code == 200


def test_a_manager_approves_and_gets_the_evidence_pack(login, session, proposals):
    first, second = proposals
    assert login("Finance").post(f"/approvelegalview/{first}", data={}).status_code == 403
    client = login("Manager")
    response = client.post(f"/approvelegalview/{first}", data={"reason": "证据齐全"})
    assert response.status_code == 302
    assert wait(60)
    session.expire_all()
    action = session.get(DunningAction, first)
    assert (action.status, action.decided_by) == ("approved", "manager")
    document = client.post(f"/legalproposalview/action/document/{first}")
    assert document.mimetype == "application/pdf"
    assert "1-1-10" in pdf.text(document.data)
    document.close()


def test_a_rejection_needs_a_note(login, session, proposals):
    _, second = proposals
    client = login("Manager")
    page = client.post(f"/rejectlegalview/{second}", data={}).get_data(as_text=True)
    assert "decision_note" in page or "说明" in page
    session.expire_all()
    assert session.get(DunningAction, second).status == "proposed"
    client.post(f"/rejectlegalview/{second}", data={"reason": "先安排分期"})
    session.expire_all()
    assert session.get(DunningAction, second).status == "rejected"
