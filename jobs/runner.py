"""How a job runs: in an RQ work-horse (Redis mode) or in a thread of the web server (embedded).

Both modes call ``run(job_id)``: the job's row (``job_run``) names the function and its
arguments; the attempt is recorded as running, then finished or failed, in transactions of its
own, while the function opens its own unit of work. A transient error (``TRANSIENT``) is tried
again after ``RETRY_DELAYS`` — by RQ's scheduler in Redis mode (the job returns an RQ
``Retry``, so the worker must run ``--with-scheduler``), by a timer in embedded mode. Any other
error fails the job at once: a refusal or a broken ledger is the same on the next try.
"""

import logging
import queue
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import import_module

import redis.exceptions
from flask import current_app
from redis import Redis
from rq import Queue, Retry, Worker
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import reports
from app.extensions import db, unit_of_work
from app.services.audit import acting_as
from app.services.jobs import fail_job, finish_job, release_dependents, start_job

log = logging.getLogger(__name__)

JOB_PACKAGES = ("jobs",)
QUEUES = ("default", "documents")  # documents: long PDF batches, so they never hold up the rest
RETRY_DELAYS = (30, 300, 1800)  # seconds before the 2nd, 3rd and 4th attempt
JOB_TIMEOUT = 3600
RESULT_TTL = 86400  # RQ keeps a finished job a day (the job table keeps it for good)
FAILURE_TTL = 7 * 86400


class TransientError(Exception):
    """Raise it from a job for a failure that may pass (a gateway down): the job is retried."""


TRANSIENT = (
    TransientError,
    OperationalError,  # connection lost, database locked, serialization failure
    ConnectionError,
    TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

_current_job: ContextVar[str] = ContextVar("wuye_job")


def current_job_id() -> str:
    """The id of the job running in this context (LookupError outside a job)."""
    return _current_job.get()


@contextmanager
def own_transaction() -> Iterator[Session]:
    """A transaction of its own for the job table, apart from the caller's unit of work: a job is
    recorded and pushed whatever the caller does next (hence: enqueue after your commit)."""
    with Session(db.engine) as session, session.begin():
        yield session


def resolve(path: str):
    """The job function at ``path`` (``jobs.module.function``): only packages of
    ``JOB_PACKAGES`` are imported, whatever a row of the job table says."""
    module, _, name = path.rpartition(".")
    if not module.startswith(tuple(f"{package}." for package in JOB_PACKAGES)):
        raise ValueError(f"{path!r}: jobs are functions of {' or '.join(JOB_PACKAGES)} modules")
    return getattr(import_module(module), name)


def run(job_id: str) -> int | None:
    """Run one attempt of the job in the current app context. Returns None when it is done
    (or not waiting to run), the seconds to wait before the next attempt after a transient
    error; raises the error of a failure (recorded first)."""
    with unit_of_work() as session:
        started = start_job(session, job_id)
    if started is None:  # finished already, or another worker has it
        return None
    path, args, attempt = started
    token = _current_job.set(job_id)
    try:
        with acting_as(f"job:{job_id}"):
            resolve(path)(*args)
    except Exception as exc:
        db.session.rollback()
        retry = isinstance(exc, TRANSIENT) and attempt <= len(RETRY_DELAYS)
        if retry:
            log.warning("job %s: attempt %s failed, will retry: %r", job_id, attempt, exc)
        with unit_of_work() as session:
            fail_job(session, job_id, "".join(traceback.format_exception(exc)), retrying=retry)
        if not retry:
            raise
        return RETRY_DELAYS[attempt - 1]
    finally:
        _current_job.reset(token)
    # Finished is committed before the dependents are looked for: a dependent enqueued meanwhile
    # then either is seen here or sees the job finished (jobs.enqueue), never neither.
    with unit_of_work() as session:
        finish_job(session, job_id)
    with unit_of_work() as session:
        released = release_dependents(session, job_id)
    for dependent, queue_name in released:
        push(dependent, queue_name)
    return None


# --- Redis mode ------------------------------------------------------------------------------


@cache
def _connect(url: str) -> Redis:
    return Redis.from_url(url)


def redis_connection() -> Redis | None:
    """The Redis of ``WUYE_REDIS_URL``, or None in embedded mode."""
    url = current_app.config["WUYE_REDIS_URL"]
    return _connect(url) if url else None


def perform(job_id: str) -> Retry | None:
    """What RQ runs for every job, in a fresh app context of the worker's app (a failure
    lands in RQ's failed registry too)."""
    with current_app.app_context():
        delay = run(job_id)
    return None if delay is None else Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS))


def _push_rq(connection: Redis, job_id: str, queue_name: str) -> None:
    rq_queue = Queue(queue_name, connection=connection)
    options = {
        "job_id": job_id,
        "unique": True,
        "job_timeout": JOB_TIMEOUT,
        "result_ttl": RESULT_TTL,
        "failure_ttl": FAILURE_TTL,
    }
    try:
        rq_queue.enqueue(perform, job_id, **options)
    except DuplicateJobError:
        # RQ still holds an earlier run under this id (a failed job keeps it for failure_ttl):
        # replace it, unless it is about to run anyway.
        old = Job.fetch(job_id, connection=connection)
        if old.get_status() in (RQStatus.QUEUED, RQStatus.STARTED, RQStatus.SCHEDULED):
            return
        old.delete()
        rq_queue.enqueue(perform, job_id, **options)


class JobWorker(Worker):
    """RQ's forking worker, run by ``wuye worker`` inside the app's context. Each job runs in a
    fresh work-horse process, which must not use the database connections it inherited, and
    inherits fonts, stylesheet and templates made ready once (``reports.warm_up``)."""

    def __init__(self, connection: Redis):
        reports.warm_up()
        super().__init__(
            [Queue(name, connection=connection) for name in QUEUES],
            connection=connection,
            work_horse_killed_handler=_horse_killed,
        )

    def main_work_horse(self, job, rq_queue):
        db.engine.dispose(close=False)  # the parent keeps its connections; the horse opens its own
        super().main_work_horse(job, rq_queue)


def _horse_killed(job, retpid, ret_val, rusage) -> None:
    """The work-horse died (out of memory, killed): the job failed, and its row says so."""
    with own_transaction() as session:
        fail_job(session, job.id, f"the work-horse died (wait status {ret_val})", retrying=False)


# --- Embedded mode ---------------------------------------------------------------------------


class Embedded:
    """Embedded mode's worker: one thread of this process runs the jobs, one at a time.

    A thread rather than running jobs inside the request that enqueues them: that request
    returns at once and the Jobs screen shows the progress, as with a real worker. One thread,
    as SQLite takes one writer at a time anyway. It ends when nothing is left to do (no job
    queued, running or waiting to retry), which ``wait()`` waits for.
    """

    def __init__(self):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, job_id: str, delay: float = 0) -> None:
        app = current_app._get_current_object()
        with self._changed:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="wuye-jobs", daemon=True)
                self._thread.start()
        if delay:
            timer = threading.Timer(delay, self._jobs.put, ((app, job_id),))
            timer.daemon = True
            timer.start()
        else:
            self._jobs.put((app, job_id))

    def _work(self) -> None:
        while True:
            with self._changed:
                if self._pending == 0:
                    self._thread = None
                    return
            app, job_id = self._jobs.get()
            try:
                with app.app_context():
                    delay = run(job_id)
                    if delay is not None:
                        self.submit(job_id, delay)
            except Exception:
                log.exception("job %s failed", job_id)
            finally:
                with self._changed:
                    self._pending -= 1
                    self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)


EMBEDDED = Embedded()


def push(job_id: str, queue_name: str) -> None:
    """Hand a queued job to what runs jobs: RQ, or the embedded thread. If Redis cannot take
    it, the job is recorded as failed (to be retried from the Jobs screen) and the error
    raised."""
    connection = redis_connection()
    if connection is None:
        EMBEDDED.submit(job_id)
        return
    try:
        _push_rq(connection, job_id, queue_name)
    except Exception as exc:
        with own_transaction() as session:
            fail_job(session, job_id, f"could not be queued: {exc!r}", retrying=False)
        raise
