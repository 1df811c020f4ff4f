"""Embedded mode (no WUYE_REDIS_URL): the same job functions run in a thread of this process."""

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

import jobs
from app.models import JobRun, Setting
from jobs import enqueue, report_progress
from tests.jobs.sample_jobs import add_setting, broken, count_to, flaky


@pytest.fixture(autouse=True)
def embedded(app):
    assert app.config["WUYE_REDIS_URL"] is None
    yield
    assert jobs.wait(), "a job was still running"


def test_a_job_runs_in_the_background_thread(session, job_row):
    job_id = enqueue(add_setting, "colour", "green")
    assert jobs.wait()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("finished", 1)
    assert session.scalar(select(Setting.value).where(Setting.key == "colour")) == "green"


def test_progress_is_recorded_and_shown(session, job_row, login):
    job_id = enqueue(count_to, 4, key="count")
    assert jobs.wait()
    row = job_row(job_id)
    assert (row.progress_done, row.progress_total) == (4, 4)
    assert "4 / 4" in login("Admin").get("/jobrunview/list/").get_data(as_text=True)


def test_a_failure_is_recorded(session, job_row):
    job_id = enqueue(broken)
    assert jobs.wait()
    row = job_row(job_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ValueError: no such thing" in row.error


def test_a_transient_failure_is_retried_after_a_delay(session, job_row, monkeypatch):
    monkeypatch.setattr(jobs.runner, "RETRY_DELAYS", (0.5, 0.5))
    began = time.monotonic()
    job_id = enqueue(flaky, 1)
    assert jobs.wait()
    assert time.monotonic() - began >= 0.5
    row = job_row(job_id)
    assert (row.status, row.attempts, row.error) == ("finished", 2, None)
    assert session.scalar(select(Setting.value).where(Setting.key == "flaky")) == "2"


def test_the_same_key_twice_runs_once(session):
    enqueue(add_setting, "once", "1", key="once")
    enqueue(add_setting, "once", "1", key="once")
    assert jobs.wait()
    assert session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_a_dependent_job_runs_after_its_dependency(session, job_row):
    first = enqueue(add_setting, "first", "1")
    second = enqueue(add_setting, "second", "2", depends_on=first)
    assert jobs.wait()
    assert job_row(second).status == "finished"
    assert job_row(second).started_at >= job_row(first).finished_at


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        ((dt.date(2026, 12, 1),), {}, TypeError),  # objects, not ISO strings
        (("k", "v"), {"key": "notices/12"}, ValueError),  # a character RQ refuses
        (("k", "v"), {"queue": "fast"}, ValueError),
        (("k", "v"), {"depends_on": "no-such-job"}, ValueError),
    ],
)
def test_bad_jobs_are_refused(session, args, options, error):
    with pytest.raises(error):
        enqueue(add_setting, *args, **options)
    assert session.scalar(select(func.count()).select_from(JobRun)) == 0


def test_only_functions_of_job_modules_are_jobs(session):
    with pytest.raises(ValueError, match="jobs are functions of"):
        enqueue(print, "hello")


def test_progress_is_reported_by_jobs_only(session):
    with pytest.raises(LookupError):
        report_progress(1, 2)
