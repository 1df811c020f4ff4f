"""Redis mode: jobs go through a real redis-server and run in a real forking RQ worker."""

import time
from datetime import date
from decimal import Decimal

from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select, update

from app.models import AuditLog, Bill, JobRun, Setting
from app.services.billing import run_billing
from jobs import enqueue, retry
from jobs.ledger import check_ledger
from jobs.sweeper import sweep
from tests.jobs.sample_jobs import add_setting, broken, die, flaky


def settings(session, key):
    session.expire_all()
    return session.scalars(select(Setting.value).where(Setting.key == key)).all()


def test_a_job_runs_in_a_worker_in_its_own_unit_of_work(session, redis, work, job_row):
    job_id = enqueue(add_setting, "colour", "blue", key="sample-1", description="a sample")
    assert job_id == "sample-1"
    assert Queue("default", connection=redis).job_ids == ["sample-1"]
    assert job_row(job_id).status == "queued"
    assert job_row(job_id).args == ["colour", "blue"]

    work()

    row = job_row(job_id)
    assert (row.status, row.attempts, row.error) == ("finished", 1, None)
    assert row.enqueued_at <= row.started_at <= row.finished_at
    assert row.function == "tests.jobs.sample_jobs.add_setting"
    assert settings(session, "colour") == ["blue"]
    assert (
        session.scalar(select(AuditLog.username).where(AuditLog.table_name == "setting"))
        == "job:sample-1"
    )


def test_the_same_key_enqueued_twice_is_one_job(session, redis, work, job_row):
    assert enqueue(add_setting, "k", "1", key="once") == "once"
    assert enqueue(add_setting, "k", "1", key="once") == "once"
    assert Queue("default", connection=redis).count == 1
    assert session.scalar(select(func.count()).select_from(JobRun)) == 1

    work()
    assert enqueue(add_setting, "k", "1", key="once") == "once"  # finished: still nothing new
    work()

    assert settings(session, "k") == ["1"]
    assert session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_a_transient_failure_is_retried_with_back_off(session, redis, work, job_row, short_retries):
    job_id = enqueue(flaky, 2)

    work()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "TransientError: gateway down (attempt 1)" in row.error
    # Backed off: waiting in RQ's scheduled registry, not in the queue.
    assert ScheduledJobRegistry("default", connection=redis).get_job_ids() == [job_id]
    assert Queue("default", connection=redis).count == 0

    for attempt in (2, 3):
        time.sleep(1.1)
        work()
        assert job_row(job_id).attempts == attempt
    row = job_row(job_id)
    assert (row.status, row.error) == ("finished", None)
    assert settings(session, "flaky") == ["3"]


def test_a_job_failing_every_attempt_ends_failed(session, redis, work, job_row, short_retries):
    job_id = enqueue(flaky, 99)
    work()
    for _ in range(2):
        time.sleep(1.1)
        work()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "gateway down (attempt 3)" in row.error
    assert ScheduledJobRegistry("default", connection=redis).count == 0


def test_other_errors_fail_at_once(session, redis, work, job_row):
    job_id = enqueue(broken)
    work()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error.rstrip().endswith("ValueError: no such thing")
    assert "Traceback" in row.error


def test_a_broken_ledger_fails_the_check_until_mended_and_retried(session, redis, work, job_row):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.execute(update(Bill).where(Bill.id == 1).values(paid=Decimal("1.00")))
    session.commit()

    job_id = enqueue(check_ledger, "2026-11-23", key="ledger-check-test")
    work()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ledger check of 2026-11-23: 1 disagreement(s)" in row.error
    assert "bill 1: paid is 1.00, the allocations give 0.00" in row.error

    session.execute(update(Bill).where(Bill.id == 1).values(paid=Decimal("0.00")))
    session.commit()
    assert retry(job_id, by="admin") == "requeued"  # the failed RQ job is replaced
    assert retry(job_id, by="admin") == "pushed"  # queued: handed over again, runs once
    work()
    row = job_row(job_id)
    assert (row.status, row.attempts, row.enqueued_by) == ("finished", 1, "admin")


def test_a_dependent_job_waits_for_its_dependency(session, redis, work, job_row):
    first = enqueue(add_setting, "first", "1", key="step-1")
    second = enqueue(add_setting, "second", "2", key="step-2", depends_on=first)
    assert job_row(second).status == "deferred"
    assert Queue("default", connection=redis).job_ids == [first]

    work()

    assert job_row(first).status == job_row(second).status == "finished"
    assert job_row(second).started_at >= job_row(first).finished_at
    assert settings(session, "second") == ["2"]


def test_a_job_behind_a_failed_one_waits(session, redis, work, job_row):
    failed = enqueue(broken)
    waiting = enqueue(add_setting, "never", "1", depends_on=failed)
    work()
    assert job_row(failed).status == "failed"
    assert job_row(waiting).status == "deferred"
    assert enqueue(add_setting, "late", "1", depends_on=failed) and settings(session, "late") == []


def test_a_killed_work_horse_is_run_again_until_its_attempts_are_spent(
    session, redis, work, job_row
):
    job_id = enqueue(die)
    work()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "work-horse died" in row.error
    for attempt in (2, 3, 4):
        assert sweep().pushed == [job_id]  # RQ holds it no more: the sweeper hands it over
        work()
        assert job_row(job_id).attempts == attempt
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("failed", 4)
    assert sweep().pushed == []
