"""Job tests: sample jobs admitted to the queue, Redis mode on the run's redis-server, short
retry delays."""

import pytest
from redis import Redis

from jobs import runner


@pytest.fixture(autouse=True)
def job_functions(monkeypatch):
    """Admit ``tests.jobs.sample_jobs`` as a package of job functions."""
    monkeypatch.setattr(runner, "JOB_PACKAGES", (*runner.JOB_PACKAGES, "tests.jobs"))


@pytest.fixture(autouse=True)
def no_periodic_jobs(monkeypatch):
    """A worker's first tick queues each periodic job's latest slot by the wall clock: job tests
    run only the jobs they queue (tests/jobs/test_schedule.py puts an entry back)."""
    from jobs import schedule

    monkeypatch.setattr(schedule, "SCHEDULE", ())


@pytest.fixture
def short_retries(monkeypatch):
    monkeypatch.setattr(runner, "RETRY_DELAYS", (1, 1))


@pytest.fixture
def redis(app, redis_url, monkeypatch):
    """The app in Redis mode, on an empty Redis."""
    monkeypatch.setitem(app.config, "WUYE_REDIS_URL", redis_url)
    with Redis.from_url(redis_url) as connection:
        connection.flushdb()
        yield connection


@pytest.fixture
def work(app, redis):
    """``work()`` runs a real RQ worker (forking, with the scheduler) until the queues are
    empty."""

    def run_burst() -> None:
        with app.app_context():
            runner.JobWorker(runner.redis_connection()).work(burst=True, with_scheduler=True)

    return run_burst


@pytest.fixture
def job_row(session):
    """``job_row(job_id)``: the job's ledger row as it is now."""
    from sqlalchemy import select

    from app.models import JobRun

    def fetch(job_id: str) -> JobRun:
        session.expire_all()
        return session.scalar(select(JobRun).where(JobRun.job_id == job_id))

    return fetch
