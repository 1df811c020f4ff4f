"""The sweeper: the job table is the truth about work to do, the queue only its transport.

``tick()`` runs in every ``wuye worker`` (between jobs and between a running job's heartbeats,
at most once per ``WUYE_JOB_HEARTBEAT`` seconds across all workers, under a Redis lock) and in
embedded mode's clock thread. It

- queues each periodic job's latest slot (``jobs.schedule``): a slot is queued within one tick
  of its time, and a slot missed while every worker was down is caught up once;
- gives up the attempt of every *lost* running job — an RQ worker that has not beaten for three
  heartbeats, or an embedded process that is gone — and queues it again at once (attempts
  counted) or, after its last attempt (``runner.max_attempts()``), fails it;
- releases deferred jobs whose dependency finished, should the worker that finished it have
  died before releasing them;
- pushes every queued job the queue does not hold (Redis was down or restarted empty, a process
  died between commit and push) and every retry that is due.

A job pushed twice runs once: ``start_job`` lets one attempt through. The rules: docs/jobs.md.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from rq.job import Job

from app.models.jobs import JobStatus
from jobs.table import (
    give_up_attempt,
    job_queue,
    job_status,
    ready_deferred,
    release_job,
    requeue_job,
    running_jobs,
    waiting_jobs,
)

from . import runner
from .runner import (
    EMBEDDED,
    heartbeat_seconds,
    lost_after,
    max_attempts,
    own_transaction,
    push,
    redis_connection,
    rq_holds,
)

log = logging.getLogger(__name__)

LOCK = "wuye:sweeper"


@dataclass
class Swept:
    lost: list[str]
    released: list[str]
    pushed: list[str]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_lost(worker: str | None, beaten: datetime | None, now: datetime) -> bool:
    """Whether the job's worker is gone: an embedded process of this host that has ended, or a
    worker that has not beaten for ``lost_after()`` (every other kind of worker)."""
    kind, _, where = (worker or "").partition(":")
    if kind == "embedded":
        host, _, pid = where.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            return not (int(pid) == os.getpid() or _alive(int(pid)))
        return False  # another host's embedded process: nobody here can tell
    return beaten is None or now - beaten > lost_after()


def give_up(job_id: str, error: str, attempts: int | None = None) -> str | None:
    """The running job's worker is gone: its attempt failed. The job's new status (queued
    again, or failed after ``attempts``, by default ``max_attempts()``), or None if it was not
    running."""
    with own_transaction() as session:
        running = running_jobs(session, job_id)
        if not running:
            return None
        status = give_up_attempt(
            session, job_id, running[0].attempt, error, attempts or max_attempts()
        )
    if status is not None:
        log.warning("job %s: %s; now %s", job_id, error, status)
    return status


def _held(job_id: str) -> bool:
    """Whether the queue will run the job without being told again."""
    connection = redis_connection()
    if connection is None:
        return EMBEDDED.holds(job_id)
    return rq_holds(Job.fetch_many([job_id], connection=connection)[0])


def sweep(now: datetime | None = None) -> Swept:
    """One pass over the job table (see the module's docstring)."""
    now = now or datetime.now(UTC)
    with own_transaction() as session:
        running = running_jobs(session)
    lost = [
        job.job_id
        for job in running
        if is_lost(job.worker, job.heartbeat_at, now)
        and give_up(job.job_id, f"the worker running it ({job.worker or 'unknown'}) is gone")
    ]
    released = []
    with own_transaction() as session:
        for job_id in ready_deferred(session):
            if release_job(session, job_id):
                released.append(job_id)
    with own_transaction() as session:
        waiting = waiting_jobs(session, runner.RETRY_DELAYS, now)
    pushed = [
        job.job_id
        for job in waiting
        if job.due <= now and not _held(job.job_id) and push(job.job_id, job.queue)
    ]
    if lost or released or pushed:
        log.info("sweeper: lost %s, released %s, pushed %s", lost, released, pushed)
    return Swept(lost, released, pushed)


def tick(connection: Redis | None = None, now: datetime | None = None) -> Swept | None:
    """Queue the periodic jobs due and sweep; in Redis mode only if no other worker did within
    the last heartbeat (None then)."""
    from .schedule import enqueue_due  # the schedule queues jobs through jobs/__init__

    if connection is not None and not connection.set(
        LOCK, os.getpid(), nx=True, ex=heartbeat_seconds()
    ):
        return None
    enqueue_due(now)
    return sweep(now)


def retry(job_id: str, by: str) -> str | None:
    """The Jobs screen's *Retry*: run a failed or stuck job again; what was done (``requeued``,
    ``pushed``), or None if the job is finished, deferred or running in a live worker.

    A failed job starts again from its first attempt; a queued or retrying one is pushed to the
    queue now (harmless if the queue held it: it runs once); a running one whose worker is
    gone has its attempt given up, then is pushed.
    """
    with own_transaction() as session:
        status = job_status(session, job_id)
        queue = job_queue(session, job_id)
        if status == JobStatus.FAILED:
            requeue_job(session, job_id, by)
        elif status == JobStatus.RUNNING:
            job = running_jobs(session, job_id)[0]
            if not is_lost(job.worker, job.heartbeat_at, datetime.now(UTC)):
                return None
            give_up_attempt(session, job_id, job.attempt, f"given up by {by}", job.attempt + 1)
            status = JobStatus.QUEUED
        elif status not in (JobStatus.QUEUED, JobStatus.RETRYING):
            return None
    push(job_id, queue)
    return "requeued" if status == JobStatus.FAILED else "pushed"
