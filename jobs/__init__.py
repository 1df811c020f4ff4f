"""Background jobs: one API for both queue modes.

With ``WUYE_REDIS_URL`` set, jobs go to Redis and run in ``wuye worker`` processes (any number,
on any machines); without it (embedded mode) the same functions run in a thread of the process
that queued them (``jobs.runner``). Either way every job is a row of the job table (``job_run``,
the *Jobs* screen): status, attempts, progress and the error of a failure, with a retry button.
The row is the truth, the queue only its transport (docs/jobs.md): enqueued inside a unit of
work, the row is committed with the work that asked for it and pushed after the commit; a row
the queue lost (Redis down, a worker killed) is pushed again by the sweeper (``jobs.sweeper``).

A job is a module-level function of a ``jobs.*`` module taking plain JSON values only (ids, ISO
dates, strings); it runs in an app context, acting as ``job:<id>``, and opens its own
``unit_of_work()``.

    with unit_of_work() as session:
        batch = start_batch(session, …)
        enqueue(make_notices, batch.id, key=f"notices-{batch.id}")
"""

import json
import re
from uuid import uuid4

from flask import flash
from flask_babel import gettext

from app.audit import actor
from app.extensions import after_commit, db, in_unit_of_work
from app.models.jobs import JobStatus
from jobs.table import add_job, job_status, release_job, set_progress

from .runner import (
    EMBEDDED,
    QUEUES,
    TransientError,
    current_job_id,
    own_transaction,
    push,
    queue_unavailable,
    resolve,
)
from .sweeper import retry

__all__ = ["QUEUES", "TransientError", "enqueue", "report_progress", "retry", "wait"]

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
        state; a failed or stuck job runs again through ``retry`` (the Jobs screen's button).
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
    session = db.session
    if in_unit_of_work(session):
        if _add(session, job_id, path, args, queue, description, depends_on):
            after_commit(session, lambda: _hand_over(job_id, queue, depends_on))
    else:
        with own_transaction() as own:
            added = _add(own, job_id, path, args, queue, description, depends_on)
        if added:
            _hand_over(job_id, queue, depends_on)
    return job_id


def _add(session, job_id, path, args, queue, description, depends_on) -> bool:
    """Record the job in ``session``'s transaction; False if its id is known already."""
    if depends_on is not None and job_status(session, depends_on) is None:
        raise ValueError(f"{path}: no job {depends_on!r} to depend on")
    return add_job(
        session, job_id, path, list(args), queue, description[:200], actor()[1], depends_on
    )


def _hand_over(job_id: str, queue: str, depends_on: str | None) -> None:
    """After the commit that recorded the job: push it, unless it waits for another job."""
    if depends_on is not None:
        # A separate transaction, after the insert committed: see jobs.runner.run.
        with own_transaction() as session:
            finished = job_status(session, depends_on) == JobStatus.FINISHED
            if not (finished and release_job(session, job_id)):
                return
    push(job_id, queue)


def report_progress(done: int, total: int) -> None:
    """Record how far the running job is, for the Jobs screen.

    The update joins the job's current transaction, so the screen never shows work that was
    rolled back: report between chunks that each commit their own ``unit_of_work()`` (a job in
    one long transaction shows its progress only at the end — and on SQLite would lock every
    other writer out meanwhile).
    """
    set_progress(db.session, current_job_id(), done, total)


def init_app(app) -> None:
    """Embedded mode's clock (``jobs.schedule``); a warning on the page or API answer of a
    request whose jobs could not reach Redis."""
    from .schedule import start_clock  # the schedule queues jobs through this module

    start_clock(app)

    @app.after_request
    def _queue_unavailable(response):
        if not queue_unavailable():
            return response
        message = gettext(
            "The queue (Redis) is unreachable: the work is recorded and runs once Redis is back."
        )
        body = response.get_json(silent=True) if response.is_json else None
        if isinstance(body, dict):
            body["warning"] = message
            response.set_data(json.dumps(body, ensure_ascii=False))
        elif not response.is_json:
            flash(message, "warning")
        return response


def wait(timeout: float = 30) -> bool:
    """Embedded mode: wait until this process has no job queued, running or waiting to retry;
    False on timeout. For tests and scripts."""
    return EMBEDDED.wait(timeout)
