"""The daily complaint check: a periodic job of its own (before the dunning scan) that logs the
deadlines missed (one follow-up entry each, once), and renews the reason-for-non-payment
pauses. The overdue flags never wait for it: they are computed when read."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

import jobs
from app.models import Complaint, ComplaintEntry, DunningCase
from app.services.complaint_followups import take_step
from app.services.complaints import log_complaint
from jobs import schedule
from jobs.complaints import check
from jobs.schedule import SCHEDULE, enqueue_due, latest_slot

CHECK = next(entry for entry in SCHEDULE if entry.name == "complaint-check")


@pytest.fixture
def complaints(session):
    """Logged three days ago: one still new, one answered in time but unresolved; one today.
    A dunning case opened after the first was marked as the reason for not paying."""
    now = datetime.now(UTC)
    waiting = log_complaint(
        session,
        1,
        "phone",
        "cleaning",
        "楼道脏",
        received_at=now - timedelta(days=3),
        nonpayment_reason=True,
    )
    answered = log_complaint(
        session, 2, "app", "parking", "车位被占", received_at=now - timedelta(days=3)
    )
    take_step(session, answered.id, "acknowledge", at=now - timedelta(days=3, hours=-1))
    fresh = log_complaint(session, 2, "phone", "security", "门禁坏了")
    session.add(
        DunningCase(community_id=1, unit_id=1, level=1, opened_on=date(2026, 2, 1), pause_note="")
    )
    session.commit()
    return waiting.id, answered.id, fresh.id


def flags(session) -> dict[int, tuple[bool, bool]]:
    """The missed deadlines the check logged (the flags themselves are computed when read)."""
    session.expire_all()
    return {
        c.id: (c.response_overdue_logged, c.resolution_overdue_logged)
        for c in session.scalars(select(Complaint))
    }


def test_the_check_flags_once_and_renews_the_pauses(session, complaints):
    waiting, answered, fresh = complaints
    assert check(datetime.now(UTC).date().isoformat()) == 1
    assert flags(session) == {
        waiting: (True, False),
        answered: (False, False),
        fresh: (False, False),
    }
    assert session.scalar(select(DunningCase.pause_kind)) == "complaint"
    entries = len(session.scalars(select(ComplaintEntry)).all())
    assert check(datetime.now(UTC).date().isoformat()) == 0
    assert len(session.scalars(select(ComplaintEntry)).all()) == entries


def test_the_check_runs_daily_before_the_dunning_scan(app):
    scan = next(entry for entry in SCHEDULE if entry.name == "dunning-scan")
    assert CHECK.function is check
    now = datetime(2026, 11, 22, 22, tzinfo=UTC)  # 06:00 on 23 November in Shanghai
    with app.app_context():
        assert latest_slot(CHECK, now).isoformat() == "2026-11-23T05:30:00+08:00"
        assert latest_slot(CHECK, now) < latest_slot(scan, now)


def test_the_slot_queues_the_check_on_its_own(session, complaints, job_row, monkeypatch):
    monkeypatch.setattr(schedule, "SCHEDULE", (CHECK,))
    now = datetime(2026, 11, 22, 21, 45, tzinfo=UTC)  # 05:45 in Shanghai
    assert enqueue_due(now) == ["complaint-check-2026-11-23-0530"]
    assert jobs.wait()
    row = job_row("complaint-check-2026-11-23-0530")
    assert (row.status, row.args) == ("finished", ["2026-11-23"])
    assert flags(session)[complaints[0]] == (True, False)
