"""Job functions for the queue's own tests (the ``job_functions`` fixture admits this module)."""

import os
import signal

from sqlalchemy import select

from app.extensions import unit_of_work
from app.models import JobRun, Setting
from jobs import TransientError, report_progress
from jobs.runner import current_job_id


def add_setting(key: str, value: str) -> None:
    with unit_of_work() as session:
        session.add(Setting(key=key, value=value))


def count_to(total: int) -> None:
    """Report progress after each committed step."""
    for done in range(1, total + 1):
        with unit_of_work():
            report_progress(done, total)


def flaky(failures: int) -> None:
    """Fail with a transient error on the first ``failures`` attempts (counted by the ledger,
    so across work-horses too), then add a setting."""
    with unit_of_work() as session:
        attempt = session.scalar(select(JobRun.attempts).where(JobRun.job_id == current_job_id()))
    if attempt <= failures:
        raise TransientError(f"gateway down (attempt {attempt})")
    add_setting("flaky", str(attempt))


def broken() -> None:
    raise ValueError("no such thing")


def die() -> None:
    """Kill the process running the job, as the out-of-memory killer would."""
    os.kill(os.getpid(), signal.SIGKILL)
