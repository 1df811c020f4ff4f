"""Dunning over the API: the scan, levels (Admin edits, art. 944 refusal), legal decisions,
and the letter and evidence-pack PDFs rendered by the document jobs."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.clock import business_date
from app.files import files_dir
from app.models import DunningAction, DunningCase, OutboxMessage
from app.services.billing import run_billing
from app.services.delivery import attachment_path, mark_posted
from jobs import wait
from tests.reports import pdf


def _billed(session) -> None:
    run_billing(session, date(2026, 1, 1), 1)
    session.commit()


def test_the_scan_counts_what_it_created_and_a_rerun_nothing(client, api, session):
    _billed(session)
    first = client.post("/api/v1/dunning/scan", json={"as_of": "2026-03-02"}, headers=api("Admin"))
    assert first.status_code == 200, first.json
    assert first.json["actions_created"] == 2  # two units straight to the formal letter
    again = client.post("/api/v1/dunning/scan", json={"as_of": "2026-03-02"}, headers=api("Admin"))
    assert again.json["actions_created"] == 0
    assert wait(60)
    letter = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "letter"))
    text = pdf.text(attachment_path(letter).read_bytes())
    assert "1-1-101" in text and "203.75" in text and "2026-03-17" in text  # the deadline


def test_the_scan_is_for_administrators_and_checks_the_date(client, api):
    body = {"as_of": "2026-02-30"}
    assert client.post("/api/v1/dunning/scan", json=body, headers=api("Manager")).status_code == 403
    bad = client.post("/api/v1/dunning/scan", json=body, headers=api("Admin"))
    assert (bad.status_code, list(bad.json["message"])) == (400, ["as_of"])


def test_a_scan_of_a_day_after_today_is_refused_and_writes_nothing(client, api, session):
    """Its reminders would go out before they are due."""
    today = business_date()
    _billed(session)
    later = client.post(
        "/api/v1/dunning/scan", json={"as_of": str(today + timedelta(days=1))}, headers=api("Admin")
    )
    assert later.status_code == 400
    assert later.json["message"]["as_of"] == [
        f"扫描日期不能晚于今天（{today}）：否则催缴提醒会提前发出。"
    ]
    assert session.scalar(select(func.count()).select_from(DunningAction)) == 0
    assert session.scalar(select(func.count()).select_from(DunningCase)) == 0
    ran = client.post("/api/v1/dunning/scan", json={"as_of": str(today)}, headers=api("Admin"))
    assert ran.status_code == 200 and ran.json["as_of"] == str(today)
    assert wait(30)


def test_levels_are_installed_and_readable(client, api):
    listed = client.get("/api/v1/dunning_level/", headers=api("Finance")).json["result"]
    assert [(r["level"], r["days"], r["channel"]) for r in listed] == [
        (0, -7, "sms"),
        (1, 1, "sms"),
        (2, 30, "letter"),
        (3, 60, "phone"),
        (4, 180, "letter"),
    ]
    assert client.get("/api/v1/dunning_level/", headers=api("Collector")).status_code == 403


def test_only_an_admin_edits_levels_and_never_into_a_cut_off(client, api):
    change = {"days": 45}
    assert (
        client.put("/api/v1/dunning_level/3", json=change, headers=api("Manager")).status_code
        == 403
    )
    assert (
        client.put("/api/v1/dunning_level/3", json=change, headers=api("Admin")).status_code == 200
    )
    cut_off = client.put("/api/v1/dunning_level/4", json={"name": "停水停电"}, headers=api("Admin"))
    assert cut_off.status_code == 400
    assert "944" in cut_off.json["message"]["name"][0]
    new = client.post(
        "/api/v1/dunning_level/",
        headers=api("Admin"),
        json={
            "level": 4,
            "name": "断电催缴",
            "days": 200,
            "min_amount": "0",
            "channel": "sms",
            "template": "legal_proposal",
            "active": True,
        },
    )
    assert new.status_code == 400 and "944" in new.json["message"]["name"][0]
    levels = client.get("/api/v1/dunning_level/", headers=api("Admin")).json["result"]
    assert [r["days"] for r in levels] == [-7, 1, 45, 60, 180]
    assert levels[4]["name"] == "法律途径"


def test_a_manager_approves_a_proposal_and_gets_the_evidence_pack(client, api, session):
    _billed(session)
    client.post("/api/v1/dunning/scan", json={"as_of": "2026-03-02"}, headers=api("Admin"))
    assert wait(60)
    for letter in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "letter")):
        mark_posted(session, letter.id, datetime(2026, 3, 3, 2, tzinfo=UTC))
    session.commit()
    client.post("/api/v1/dunning/scan", json={"as_of": "2026-07-30"}, headers=api("Admin"))
    listed = client.get(
        "/api/v1/dunning_action/?q=(filters:!((col:kind,opr:eq,value:legal_proposal)))",
        headers=api("Manager"),
    ).json["result"]
    assert [(r["unit"]["code"], r["status"]) for r in listed] == [
        ("1-1-102", "proposed"),
        ("1-1-101", "proposed"),
    ]
    first, second = (r["id"] for r in reversed(listed))
    path = f"/api/v1/dunning_action/{first}/approve"
    assert client.post(path, json={}, headers=api("Finance")).status_code == 403
    approved = client.post(path, json={"note": "证据齐全"}, headers=api("Manager"))
    assert approved.json["status"] == "approved"
    rejected = client.post(
        f"/api/v1/dunning_action/{second}/reject", json={}, headers=api("Manager")
    )
    assert (rejected.status_code, list(rejected.json["message"])) == (400, ["decision_note"])
    assert wait(60)
    session.expire_all()
    action = session.get(DunningAction, first)
    (document,) = list((files_dir() / "dunning" / "evidence").glob("*.pdf"))
    assert action.document == f"dunning/evidence/{document.name}"
    text = pdf.text(document.read_bytes())
    assert "1-1-101" in text and "证据齐全" in text
    assert pdf.page_count(document.read_bytes()) >= 2  # the summary, then the letter
