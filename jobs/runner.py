"""How a job runs: in an RQ work-horse (Redis mode) or in a thread of the process that queued it
(embedded mode).

Both modes call ``run(job_id, worker)``: the job's row (``job_run``) names the function and its
arguments; the attempt is recorded as running in ``worker``, then finished or failed, in
transactions of its own, while the function opens its own unit of work. A transient error
(``TRANSIENT``) is tried again after ``RETRY_DELAYS`` — by RQ's scheduler in Redis mode (the job
returns an RQ ``Retry``, so the worker must run ``--with-scheduler``), by a timer in embedded
mode. Any other error fails the job at once: a refusal or a broken ledger is the same on the
next try. A worker that dies mid-job is found by the sweeper (``jobs.sweeper``).
"""

import ctypes
import logging
import os
import queue
import signal
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import import_module

import redis.exceptions
from flask import current_app, g, has_app_context
from redis import Redis
from rq import Queue, Retry, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import reports
from app.audit import acting_as
from app.extensions import db, unit_of_work
from jobs.table import beat, fail_job, finish_job, release_dependents, start_job

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


def run(job_id: str, worker: str) -> int | None:
    """Run one attempt of the job in the current app context, recorded as ``worker``'s. Returns
    None when it is done (or not waiting to run), the seconds to wait before the next attempt
    after a transient error; raises the error of a failure (recorded first)."""
    with unit_of_work() as session:
        started = start_job(session, job_id, worker)
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
            fail_job(session, job_id, "".join(traceback.format_exception(exc)), retry, attempt)
        if not retry:
            raise
        return RETRY_DELAYS[attempt - 1]
    finally:
        _current_job.reset(token)
    # Finished is committed before the dependents are looked for: a dependent enqueued meanwhile
    # then either is seen here or sees the job finished (jobs.enqueue), never neither.
    with unit_of_work() as session:
        finish_job(session, job_id, attempt)
    with unit_of_work() as session:
        released = release_dependents(session, job_id)
    for dependent, queue_name in released:
        push(dependent, queue_name)
    return None


# --- Redis mode ------------------------------------------------------------------------------


@cache
def _connect(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)


def redis_connection() -> Redis | None:
    """The Redis of ``WUYE_REDIS_URL``, or None in embedded mode."""
    url = current_app.config["WUYE_REDIS_URL"]
    return _connect(url) if url else None


def max_attempts() -> int:
    """Attempts a job gets, whether they fail with a transient error or their worker is lost."""
    return len(RETRY_DELAYS) + 1


def heartbeat_seconds() -> int:
    """How often a worker says that the job it runs is alive (``WUYE_JOB_HEARTBEAT``)."""
    return int(current_app.config["WUYE_JOB_HEARTBEAT"])


def lost_after() -> timedelta:
    """A running job whose worker has not beaten for this long is lost: three beats missed."""
    return timedelta(seconds=3 * heartbeat_seconds())


def perform(job_id: str) -> Retry | None:
    """What RQ runs for every job, in a fresh app context of the worker's app (a failure
    lands in RQ's failed registry too)."""
    with current_app.app_context():
        delay = run(job_id, f"rq:{os.environ.get('RQ_WORKER_ID', '?')}")
    return None if delay is None else Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS))


def _aware(instant: datetime | None) -> datetime | None:
    return instant.replace(tzinfo=UTC) if instant and instant.tzinfo is None else instant


def rq_holds(job: Job | None) -> bool:
    """Whether RQ will run (or is running) ``job``: waiting in a queue or a registry, or started
    in a work-horse that still beats."""
    if job is None:
        return False
    status = job.get_status(refresh=False)
    if status in (RQStatus.QUEUED, RQStatus.SCHEDULED, RQStatus.DEFERRED):
        return True
    beaten = _aware(job.last_heartbeat) or _aware(job.started_at)
    return status == RQStatus.STARTED and (
        beaten is None or datetime.now(UTC) - beaten < lost_after()
    )


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
        # RQ still holds an earlier run under this id (a failed job keeps it for failure_ttl,
        # a dead worker's job stays "started"): replace it, unless it is about to run anyway.
        try:
            old = Job.fetch(job_id, connection=connection)
        except NoSuchJobError:
            old = None
        if rq_holds(old):
            return
        if old is not None:
            old.delete()
        rq_queue.enqueue(perform, job_id, **options)


def _die_with_parent() -> None:
    """Linux: the calling process gets SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the sweeper still finds the job lost
        log.warning("work-horses will not die with their worker on this system")


class JobWorker(Worker):
    """RQ's forking worker, run by ``wuye worker`` inside the app's context.

    Each job runs in a fresh work-horse process, which must not use the database connections
    it inherited, inherits fonts, stylesheet and templates made ready once
    (``reports.warm_up``), and dies with its worker (a job is never left running unseen). While
    the horse works, the worker writes the job's heartbeat into the job table every
    ``WUYE_JOB_HEARTBEAT`` seconds and, between jobs and between beats, runs the sweeper's tick
    (``jobs.sweeper.tick``). A Redis outage during a job is waited out: the job's own record is
    in the database.
    """

    def __init__(self, connection: Redis, name: str | None = None):
        reports.warm_up()
        beat_every = heartbeat_seconds()
        super().__init__(
            [Queue(queue, connection=connection) for queue in QUEUES],
            name=name,
            connection=connection,
            work_horse_killed_handler=_horse_killed,
            job_monitoring_interval=beat_every,
            maintenance_interval=beat_every,
        )
        self.worker_ttl = max(beat_every, 15) + 15  # RQ waits for a job up to worker_ttl - 15 s
        self.stop_asked = False

    def subscribe(self):
        """RQ's, with the listening thread waking every second rather than every minute: on
        stopping, RQ waits for that thread (redis-py joins it without a timeout), and an idle
        worker took up to 60 s to stop."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def request_stop(self, signum, frame):
        """SIGTERM/SIGINT: stop (after the job in hand). Remembered here: an idle RQ worker
        leaves its loop without noting why, and ``wuye worker`` would start a new one."""
        self.stop_asked = True
        super().request_stop(signum, frame)

    def main_work_horse(self, job, rq_queue):
        _die_with_parent()
        db.engine.dispose(close=False)  # the parent keeps its connections; the horse opens its own
        super().main_work_horse(job, rq_queue)

    def maintain_heartbeats(self, job, execution):
        try:
            with own_transaction() as session:
                beat(session, job.id, f"rq:{self.name}")
        except OperationalError as err:  # the database is away: the horse will find out too
            log.warning("job %s: no heartbeat written: %s", job.id, err)
        try:
            super().maintain_heartbeats(job, execution)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
            log.warning("job %s: Redis is away (%s); the job goes on", job.id, err)
            return
        if self.should_run_maintenance_tasks:
            self.run_maintenance_tasks()

    def run_maintenance_tasks(self):
        from .sweeper import tick  # the sweeper queues jobs: it imports this module

        super().run_maintenance_tasks()
        tick(self.connection)


def _horse_killed(job, retpid, ret_val, rusage) -> None:
    """The work-horse died (out of memory, killed): the attempt failed, and its row says so;
    the sweeper runs it again if attempts are left."""
    from .sweeper import give_up  # the sweeper queues jobs: it imports this module

    give_up(job.id, f"the work-horse died (wait status {ret_val})")


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
        self._held: dict[str, int] = {}  # job id -> submissions not done yet
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self.name = f"embedded:{socket.gethostname()}:{os.getpid()}"

    @property
    def pending(self) -> int:
        """How many jobs this process has yet to run (queued, running or waiting to retry)."""
        with self._changed:
            return sum(self._held.values())

    def holds(self, job_id: str) -> bool:
        with self._changed:
            return job_id in self._held

    def submit(self, job_id: str, delay: float = 0) -> None:
        app = current_app._get_current_object()
        with self._changed:
            self._held[job_id] = self._held.get(job_id, 0) + 1
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
                if not self._held:
                    self._thread = None
                    return
            app, job_id = self._jobs.get()
            try:
                with app.app_context():
                    delay = run(job_id, self.name)
                    if delay is not None:
                        self.submit(job_id, delay)
            except Exception:
                log.exception("job %s failed", job_id)
            finally:
                with self._changed:
                    self._held[job_id] -= 1
                    if not self._held[job_id]:
                        del self._held[job_id]
                    self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._held, timeout)


EMBEDDED = Embedded()


def push(job_id: str, queue_name: str) -> bool:
    """Hand a queued job to what runs jobs: RQ, or the embedded thread; whether it was taken.
    If Redis cannot take it, the job stays queued in the job table (the sweeper pushes it once
    Redis is back) and ``queue_unavailable()`` says so to the edge that queued it."""
    connection = redis_connection()
    if connection is None:
        EMBEDDED.submit(job_id)
        return True
    try:
        _push_rq(connection, job_id, queue_name)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
        log.warning("job %s stays queued until Redis is back: %s", job_id, err)
        if has_app_context():
            g.wuye_queue_unavailable = True
        return False
    return True


def queue_unavailable() -> bool:
    """Whether a job queued in this app context could not reach Redis (it runs once Redis is
    back)."""
    return bool(g.get("wuye_queue_unavailable"))
