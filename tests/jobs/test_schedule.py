"""The table of periodic jobs: slots in business time, queued once however many workers."""

from datetime import UTC, datetime

import pytest
from croniter import croniter
from rq import Queue
from sqlalchemy import func, select

import jobs
from app.models import JobRun
from jobs import KEY, schedule
from jobs.runner import resolve
from jobs.schedule import SCHEDULE, enqueue_due, latest_slot, next_slot
from jobs.sweeper import LOCK, tick

LEDGER_CHECK = next(entry for entry in SCHEDULE if entry.name == "ledger-check")
# 02:45 on 23 November in Shanghai (UTC+8), a quarter of an hour after the nightly check.
NOW = datetime(2026, 11, 22, 18, 45, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _ledger_check_only(monkeypatch):
    """The mechanism is shown on one entry (forked work-horses inherit the patched table)."""
    monkeypatch.setattr(schedule, "SCHEDULE", (LEDGER_CHECK,))


def test_slots_are_in_business_time(app):
    with app.app_context():
        latest, after = latest_slot(LEDGER_CHECK, NOW), next_slot(LEDGER_CHECK, NOW)
        assert latest.isoformat() == "2026-11-23T02:30:00+08:00"
        assert after.isoformat() == "2026-11-24T02:30:00+08:00"
        assert LEDGER_CHECK.key(latest) == "ledger-check-2026-11-23-0230"
        # At 02:29 the night's slot is still ahead; at 02:30 sharp it is due.
        assert latest_slot(LEDGER_CHECK, datetime(2026, 11, 22, 18, 29, tzinfo=UTC)).day == 22
        assert latest_slot(LEDGER_CHECK, datetime(2026, 11, 22, 18, 30, tzinfo=UTC)).day == 23


@pytest.mark.parametrize("entry", SCHEDULE, ids=lambda e: e.name)
def test_every_entry_is_a_job_at_a_valid_time(entry):
    assert croniter.is_valid(entry.cron)
    assert resolve(f"{entry.function.__module__}.{entry.function.__qualname__}") is entry.function
    assert KEY.fullmatch(entry.key(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)))


def test_the_tick_queues_each_slot_once_however_many_workers(session, redis, work, job_row):
    assert tick(redis, NOW) is not None
    assert tick(redis, NOW) is None  # a second worker within the same beat: nothing to do
    redis.delete(LOCK)
    assert tick(redis, NOW).pushed == []  # a later beat: the slot is queued, and RQ holds it

    # The night's missed check is caught up, once.
    rows = session.scalars(select(JobRun.job_id)).all()
    assert rows == ["ledger-check-2026-11-23-0230"]
    assert Queue("default", connection=redis).job_ids == rows

    work()
    assert job_row("ledger-check-2026-11-23-0230").status == "finished"
    assert job_row("ledger-check-2026-11-23-0230").args == ["2026-11-23"]


def test_the_next_slot_is_queued_by_the_first_tick_after_it(session, redis, work, job_row):
    before = datetime(2026, 11, 23, 18, 29, tzinfo=UTC)  # 02:29 on the 24th in Shanghai
    tick(redis, before)
    redis.delete(LOCK)
    tick(redis, datetime(2026, 11, 23, 18, 30, 20, tzinfo=UTC))
    assert session.scalars(select(JobRun.job_id).order_by(JobRun.id)).all() == [
        "ledger-check-2026-11-23-0230",
        "ledger-check-2026-11-24-0230",
    ]


def test_embedded_mode_queues_the_latest_slot_once(session, job_row):
    assert enqueue_due(NOW) == ["ledger-check-2026-11-23-0230"]
    assert enqueue_due(NOW) == ["ledger-check-2026-11-23-0230"]
    assert jobs.wait()
    assert session.scalar(select(func.count()).select_from(JobRun)) == 1
    assert job_row("ledger-check-2026-11-23-0230").status == "finished"
