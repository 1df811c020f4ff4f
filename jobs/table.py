"""The job table (``job_run``): what was enqueued, what ran, what failed and why.

The table is the truth about work to do; Redis is only its transport (docs/jobs.md). Every
change is one conditional statement, so two workers, two web requests or a retry racing a run
can never both win: a row is created once per job id, started only from ``queued`` or
``retrying``, requeued only from ``failed``, released only from ``deferred``, and an attempt is
finished, failed or given up only while it is still the row's latest attempt (a work-horse
thought dead that comes back late changes nothing). The statements are SQL, not ORM changes: the
table is itself the record of jobs, not business data for the audit trail. Like every service
these never commit; the queue (``jobs``) owns the transactions.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models.jobs import JobRun, JobStatus

INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
ERROR_CHARS = 4000  # the tail of a traceback: the error itself is its last line


def _now() -> datetime:
    return datetime.now(UTC)


def _change(session: Session, job_id: str, statuses, attempt: int | None = None, **values) -> bool:
    """Set ``values`` on the job if its status is one of ``statuses`` (and, given ``attempt``,
    if that is still its latest attempt); whether it was."""
    condition = [JobRun.job_id == job_id, JobRun.status.in_(statuses)]
    if attempt is not None:
        condition.append(JobRun.attempts == attempt)
    result = session.execute(
        update(JobRun)
        .where(*condition)
        .values(**values)
        .returning(JobRun.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


def add_job(
    session: Session,
    job_id: str,
    function: str,
    args: list,
    queue: str,
    description: str,
    by: str,
    depends_on: str | None = None,
) -> bool:
    """Record a new job, queued (or deferred behind ``depends_on``); False if the id exists."""
    insert = INSERT[session.get_bind().dialect.name]
    statement = insert(JobRun).values(
        job_id=job_id,
        function=function,
        args=args,
        queue=queue,
        description=description,
        depends_on=depends_on,
        status=JobStatus.DEFERRED if depends_on else JobStatus.QUEUED,
        attempts=0,
        enqueued_at=_now(),
        enqueued_by=by,
    )
    # RETURNING, not rowcount: psycopg 3.3 reports -1 for INSERT … ON CONFLICT DO NOTHING.
    inserted = session.execute(statement.on_conflict_do_nothing().returning(JobRun.id))
    return inserted.first() is not None


def job_status(session: Session, job_id: str) -> str | None:
    return session.scalar(select(JobRun.status).where(JobRun.job_id == job_id))


def start_job(session: Session, job_id: str, worker: str) -> tuple[str, list, int] | None:
    """Mark the job running in ``worker``; its (function, args, attempt number), or None if it
    is not waiting to run (finished already, or started by another worker)."""
    row = session.execute(
        select(JobRun.function, JobRun.args, JobRun.attempts).where(JobRun.job_id == job_id)
    ).one_or_none()
    if row is None:
        return None
    started = _change(
        session,
        job_id,
        (JobStatus.QUEUED, JobStatus.RETRYING),
        status=JobStatus.RUNNING,
        attempts=row.attempts + 1,
        started_at=_now(),
        finished_at=None,
        worker=worker[:200],
        heartbeat_at=_now(),
    )
    return (row.function, row.args, row.attempts + 1) if started else None


def finish_job(session: Session, job_id: str, attempt: int) -> None:
    _change(
        session,
        job_id,
        (JobStatus.RUNNING,),
        attempt,
        status=JobStatus.FINISHED,
        error=None,
        finished_at=_now(),
    )


def release_dependents(session: Session, job_id: str) -> list[tuple[str, str]]:
    """Queue the jobs deferred behind the job: their (job id, queue) released by this call."""
    waiting = session.execute(
        select(JobRun.job_id, JobRun.queue).where(
            JobRun.depends_on == job_id, JobRun.status == JobStatus.DEFERRED
        )
    ).all()
    return [(dependent, queue) for dependent, queue in waiting if release_job(session, dependent)]


def release_job(session: Session, job_id: str) -> bool:
    """Queue a deferred job; whether this call did (the caller then pushes it to its queue)."""
    return _change(session, job_id, (JobStatus.DEFERRED,), status=JobStatus.QUEUED)


def _end_attempt(session: Session, job_id: str, attempt: int, status: str, error: str) -> bool:
    """End the running ``attempt`` (only while it is the latest) in ``status``, with its error;
    whether the row changed."""
    return _change(
        session,
        job_id,
        (JobStatus.RUNNING,),
        attempt,
        status=status,
        error=error[-ERROR_CHARS:],
        finished_at=_now(),
    )


def fail_job(session: Session, job_id: str, error: str, retrying: bool, attempt: int) -> bool:
    """Record a failed attempt: ``retrying`` if another attempt follows, else ``failed``."""
    status = JobStatus.RETRYING if retrying else JobStatus.FAILED
    return _end_attempt(session, job_id, attempt, status, error)


def beat(session: Session, job_id: str, worker: str) -> bool:
    """The worker running the job is alive: record the instant; False if it no longer holds
    the job."""
    return (
        session.execute(
            update(JobRun)
            .where(JobRun.job_id == job_id, JobRun.status == JobStatus.RUNNING)
            .where(JobRun.worker == worker[:200])
            .values(heartbeat_at=_now())
            .returning(JobRun.id)
            .execution_options(synchronize_session=False)
        ).first()
        is not None
    )


@dataclass(frozen=True)
class Running:
    """A running job as the sweeper sees it."""

    job_id: str
    attempt: int
    worker: str | None
    heartbeat_at: datetime | None


def running_jobs(session: Session, job_id: str | None = None) -> list[Running]:
    """The running jobs (or the job ``job_id``, if it is running)."""
    query = select(JobRun.job_id, JobRun.attempts, JobRun.worker, JobRun.heartbeat_at).where(
        JobRun.status == JobStatus.RUNNING
    )
    if job_id is not None:
        query = query.where(JobRun.job_id == job_id)
    return [Running(*row) for row in session.execute(query.order_by(JobRun.id))]


@dataclass(frozen=True)
class Waiting:
    """A job waiting for the queue to run it: queued, or retrying once ``due``."""

    job_id: str
    queue: str
    due: datetime


def waiting_jobs(session: Session, retry_delays, now: datetime | None = None) -> list[Waiting]:
    """Jobs queued, or waiting to retry (due ``retry_delays[attempt - 1]`` seconds after the
    failed attempt), oldest first."""
    now = now or _now()
    rows = session.execute(
        select(JobRun.job_id, JobRun.queue, JobRun.status, JobRun.attempts, JobRun.finished_at)
        .where(JobRun.status.in_((JobStatus.QUEUED, JobStatus.RETRYING)))
        .order_by(JobRun.id)
    )
    waiting = []
    for job_id, queue, status, attempts, failed_at in rows:
        due = now
        if status == JobStatus.RETRYING and failed_at is not None and attempts:
            delay = retry_delays[min(attempts, len(retry_delays)) - 1]
            due = failed_at + timedelta(seconds=delay)
        waiting.append(Waiting(job_id, queue, due))
    return waiting


def ready_deferred(session: Session) -> list[str]:
    """Deferred jobs whose dependency has finished (released by nobody, e.g. after a crash)."""
    finished = select(JobRun.job_id).where(JobRun.status == JobStatus.FINISHED)
    return list(
        session.scalars(
            select(JobRun.job_id).where(
                JobRun.status == JobStatus.DEFERRED, JobRun.depends_on.in_(finished)
            )
        )
    )


def give_up_attempt(
    session: Session, job_id: str, attempt: int, error: str, max_attempts: int
) -> str | None:
    """The worker of the job's ``attempt`` is gone: the attempt failed. Queued again at once if
    attempts are left (nothing in it was transient to wait for), else failed; the new status, or
    None if that attempt was no longer running."""
    status = JobStatus.QUEUED if attempt < max_attempts else JobStatus.FAILED
    return status if _end_attempt(session, job_id, attempt, status, error) else None


def job_queue(session: Session, job_id: str) -> str | None:
    return session.scalar(select(JobRun.queue).where(JobRun.job_id == job_id))


def requeue_job(session: Session, job_id: str, by: str) -> str | None:
    """Queue a failed job again from its first attempt; its queue, or None if it had not
    failed."""
    requeued = _change(
        session,
        job_id,
        (JobStatus.FAILED,),
        status=JobStatus.QUEUED,
        attempts=0,
        error=None,
        progress_done=None,
        progress_total=None,
        enqueued_at=_now(),
        enqueued_by=by,
        started_at=None,
        finished_at=None,
        worker=None,
        heartbeat_at=None,
    )
    return job_queue(session, job_id) if requeued else None


def set_progress(session: Session, job_id: str, done: int, total: int) -> None:
    _change(
        session,
        job_id,
        (JobStatus.RUNNING,),
        progress_done=done,
        progress_total=total,
    )
