"""The delivery job: one message per job, committed outcome, retries, the outbox sweep."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit import acting_as
from app.models import AuditLog, Community, JobRun, OutboxMessage
from app.services.delivery import queue_message
from jobs import TransientError, wait
from jobs.delivery import deliver, deliver_due, enqueue_delivery
from tests.factories import make_owner
from tests.postgres import _free_port


def queued(session, email="li@example.com", channel="email") -> int:
    owner = make_owner(
        session,
        session.get(Community, 1),
        "李四",
        email=email,
        e_notice_consent=True,
        preferred_channel=channel,
    )
    message = queue_message(session, owner, "receipt", "收据 A-2026-000001", "已收到您的缴费。")
    session.commit()
    return message.id


def reread(session, message_id) -> OutboxMessage:
    session.expire_all()
    return session.get(OutboxMessage, message_id)


def test_deliver_sends_and_commits_once(session, smtp):
    message_id = queued(session)
    with acting_as("job:deliver-1"):  # as the job runner does
        assert deliver(message_id) == "sent"
        assert deliver(message_id) == "sent"  # a repeated job sends nothing
    message = reread(session, message_id)
    assert (message.status, message.attempts, len(smtp.messages)) == ("sent", 1, 1)
    changed_by = session.scalars(
        select(AuditLog.username).where(
            AuditLog.table_name == "outbox_message", AuditLog.action == "update"
        )
    ).all()
    assert changed_by == ["job:deliver-1"]


def test_a_transient_failure_is_committed_then_raised_for_a_retry(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "127.0.0.1")
    message_id = queued(session)  # queued while e-mail was configured
    monkeypatch.setitem(app.config, "WUYE_SMTP_PORT", _free_port())
    with pytest.raises(TransientError, match="127.0.0.1"):
        deliver(message_id)
    message = reread(session, message_id)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "127.0.0.1" in message.error


def test_the_sweep_sends_what_is_due_and_leaves_what_is_held(session, smtp):
    due = queued(session)
    held = queued(session, email="", channel="sms")
    later = datetime.now(UTC) + timedelta(hours=3)
    reread(session, held).not_before = later
    busy = queued(session, email="busy@example.com")
    session.commit()

    assert deliver_due() == 2  # the held SMS is not tried
    statuses = [reread(session, message_id).status for message_id in (due, held, busy)]
    assert statuses == ["sent", "queued", "queued"]
    assert reread(session, busy).attempts == 1
    assert [to for to, _ in smtp.messages] == [["li@example.com"]]


def test_enqueued_delivery_runs_once_per_message(session, smtp):
    message_id = queued(session)
    enqueue_delivery([message_id])
    enqueue_delivery([message_id])  # the same job key: nothing new
    assert wait()
    assert (reread(session, message_id).status, len(smtp.messages)) == ("sent", 1)
    job = session.scalars(select(JobRun).where(JobRun.job_id == f"deliver-{message_id}")).one()
    assert (job.status, job.function) == ("finished", "jobs.delivery.deliver")
