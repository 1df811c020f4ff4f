"""Background jobs: one API for both queue modes.

With ``WUYE_REDIS_URL`` set, jobs go to Redis and run in ``wuye worker`` processes (any number,
on any machines); without it (embedded mode) the same functions run in a thread of the web
server's process (``jobs.runner``). Either way every job is a row of the job table (``job_run``,
the *Jobs* screen): status, attempts, progress and the error of a failure, with a retry button.

A job is a module-level function of a ``jobs.*`` module taking plain JSON values only (ids, ISO
dates, strings); it runs in an app context, acting as ``job:<id>``, and opens its own
``unit_of_work()``. Enqueue after your own commit: the job may start at once, elsewhere.

    enqueue(make_notices, community_id, "2026-12", key=f"notices-{community_id}-2026-12")
"""

import json
import re
from uuid import uuid4

from app.extensions import db
from app.models.jobs import JobStatus
from app.services.audit import actor
from app.services.jobs import add_job, job_status, release_job, requeue_job, set_progress

from .runner import EMBEDDED, QUEUES, TransientError, current_job_id, own_transaction, push, resolve

__all__ = ["QUEUES", "TransientError", "enqueue", "report_progress", "retry_failed", "wait"]

KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _path(function) -> str:
    path = f"{function.__module__}.{function.__qualname__}"
    try:
        found = resolve(path)
    except (ImportError, AttributeError):
        found = None
    if found is not function:
        raise ValueError(f"{path}: a job must be a module-level function")
    return path


def enqueue(
    function,
    *args,
    key: str | None = None,
    queue: str = "default",
    depends_on: str | None = None,
    description: str = "",
) -> str:
    """Queue ``function(*args)``; return its job id.

    :param key: makes the job id deterministic (``notices-12-2026-12``, up to 64 of
        ``[A-Za-z0-9_-]``): enqueueing a key the job table holds creates nothing new, whatever its
        state; a failed job runs again through ``retry_failed`` (the Jobs screen's button).
    :param queue: one of ``QUEUES``.
    :param depends_on: a job id; the job waits until that job has finished.
    """
    path = _path(function)
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are {QUEUES}")
    if key is not None and not KEY.fullmatch(key):
        raise ValueError(f"job key {key!r}: up to 64 letters, digits, '-' or '_'")
    try:
        json.dumps(args)
    except TypeError as err:
        raise TypeError(f"{path}: pass ids and ISO strings, not objects ({err})") from None
    job_id = key or uuid4().hex
    with own_transaction() as session:
        if depends_on is not None and job_status(session, depends_on) is None:
            raise ValueError(f"{path}: no job {depends_on!r} to depend on")
        added = add_job(
            session, job_id, path, list(args), queue, description[:200], actor()[1], depends_on
        )
    if not added:
        return job_id
    if depends_on is not None:
        # A separate transaction, after the insert committed: see jobs.runner.run.
        with own_transaction() as session:
            finished = job_status(session, depends_on) == JobStatus.FINISHED
            if not (finished and release_job(session, job_id)):
                return job_id
    push(job_id, queue)
    return job_id


def retry_failed(job_id: str, by: str | None = None) -> bool:
    """Run a failed job again from its first attempt; False if it had not failed."""
    with own_transaction() as session:
        queue = requeue_job(session, job_id, by or actor()[1])
    if queue is None:
        return False
    push(job_id, queue)
    return True


def report_progress(done: int, total: int) -> None:
    """Record how far the running job is, for the Jobs screen.

    The update joins the job's current transaction, so the screen never shows work that was
    rolled back: report between chunks that each commit their own ``unit_of_work()`` (a job in
    one long transaction shows its progress only at the end — and on SQLite would lock every
    other writer out meanwhile).
    """
    set_progress(db.session, current_job_id(), done, total)


def wait(timeout: float = 30) -> bool:
    """Embedded mode: wait until this process has no job queued, running or waiting to retry;
    False on timeout. For tests and scripts."""
    return EMBEDDED.wait(timeout)
