"""The outbox screen: masked recipients, filters, resend and posted letters, permissions."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditLog, OutboxMessage, Owner, Setting, Unit
from app.services.delivery import queue_message
from jobs import wait

PDF = b"%PDF-1.4\n% a dunning letter\n"


@pytest.fixture
def outbox(app, session) -> dict[str, int]:
    """In community A: a failed SMS to owner 1 and a letter (with its PDF) to owner 2 who did
    not consent; in community B: a failed SMS."""
    pdf = Path(app.config["WUYE_FILES_DIR"]) / "letters" / "A-1-1-102.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(PDF)
    ids = {}
    for name, owner_id, unit_id, attachment in (
        ("sms_a", 1, 1, None),
        ("letter_a", 2, 2, "letters/A-1-1-102.pdf"),
        ("sms_b", 3, 3, None),
    ):
        owner = session.get(Owner, owner_id)
        owner.e_notice_consent = name.startswith("sms")
        message = queue_message(
            session,
            owner,
            "reminder",
            f"催缴提醒 {name}",
            "请尽快缴费。",
            attachment=attachment,
            unit=session.get(Unit, unit_id),
        )
        if name.startswith("sms"):
            message.status, message.error, message.attempts = "failed", "unknown number", 1
        ids[name] = message.id
    session.commit()
    return ids


def rows(page) -> str:
    return page.get_data(as_text=True)


def flashes(page) -> str:
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', rows(page), re.S))


def test_finance_sees_its_communities_with_recipients_masked(login, outbox):
    page = rows(login("Finance").get("/outboxview/list/"))
    assert "催缴提醒 sms_a" in page and "催缴提醒 letter_a" in page
    assert "催缴提醒 sms_b" not in page  # community B
    assert "138****5678" in page and "13812345678" not in page


def test_customer_service_sees_recipients_and_the_reveal_is_audited(login, session, outbox):
    client = login("CustomerService")
    assert "13812345678" in rows(client.get(f"/outboxview/show/{outbox['sms_a']}"))
    session.rollback()
    reveal = session.scalars(select(AuditLog).where(AuditLog.action == "reveal")).one()
    assert (reveal.table_name, reveal.username) == ("outbox_message", "customerservice")
    assert reveal.changes == {"ids": [outbox["sms_a"]], "fields": ["recipient"]}


def test_the_list_filters_by_status_and_channel(login, outbox):
    client = login("Admin")
    failed = rows(client.get("/outboxview/list/?_flt_3_status=failed"))
    assert "sms_a" in failed and "sms_b" in failed and "letter_a" not in failed
    letters = rows(client.get("/outboxview/list/?_flt_3_channel=letter"))
    assert "letter_a" in letters and "sms_a" not in letters


def test_finance_sends_a_failed_message_again(login, session, outbox):
    session.add(Setting(key="quiet_hours", value=""))  # whatever the time of day of the test
    session.commit()
    finance = login("Finance")
    # A row of another community (not on Finance's list: a forged form) refuses the batch.
    refused = finance.post(
        "/outboxview/action_post",
        data={"action": "resend", "rowid": [outbox["sms_a"], outbox["sms_b"]]},
    )
    assert refused.status_code == 404
    finance.post("/outboxview/action_post", data={"action": "resend", "rowid": [outbox["sms_a"]]})
    assert wait()  # the delivery job, run in-process
    session.rollback()
    assert session.get(OutboxMessage, outbox["sms_a"]).status == "recorded"
    assert session.get(OutboxMessage, outbox["sms_b"]).status == "failed"  # not its community


def test_finance_marks_a_printed_letter_posted(login, session, outbox):
    login("Finance").post(f"/outboxview/action/posted/{outbox['letter_a']}")
    session.rollback()
    letter = session.get(OutboxMessage, outbox["letter_a"])
    assert (letter.status, letter.sent_at is not None) == ("sent", True)


def test_the_letter_pdf_is_downloaded_within_scope_only(login, outbox):
    client = login("Finance")
    response = client.post(f"/outboxview/action/document/{outbox['letter_a']}")
    assert (response.status_code, response.mimetype, response.data) == (200, "application/pdf", PDF)
    response.close()
    refused = client.post(f"/outboxview/action/document/{outbox['sms_b']}")
    assert refused.status_code == 404  # another community's row: none for Finance


@pytest.mark.parametrize("role", ["CustomerService", "Manager", "Auditor"])
def test_only_admin_and_finance_resend_or_mark_posted(login, session, outbox, role):
    client = login(role)
    assert client.get("/outboxview/list/").status_code == 200
    client.post("/outboxview/action_post", data={"action": "resend", "rowid": outbox["sms_a"]})
    client.post(f"/outboxview/action/posted/{outbox['letter_a']}")
    session.rollback()
    assert session.get(OutboxMessage, outbox["sms_a"]).status == "failed"
    assert session.get(OutboxMessage, outbox["letter_a"]).status == "to_print"


def test_a_collector_has_no_outbox(login, outbox):
    assert login("Collector").get("/outboxview/list/").status_code == 403


def test_messages_are_a_record(login, outbox):
    client = login("Admin")
    for path in (
        "/outboxview/add",
        f"/outboxview/edit/{outbox['sms_a']}",
        f"/outboxview/delete/{outbox['sms_a']}",
    ):
        assert client.get(path).status_code == 404


def test_the_auditor_exports_the_outbox_masked(client, api, outbox):
    response = client.get("/api/v1/export/outbox?format=csv", headers=api("Auditor"))
    text = response.get_data().decode("utf-8-sig")
    assert response.status_code == 200
    assert "138****5678" in text and "13812345678" not in text
    assert "sms_b" in text  # the auditor sees every community
