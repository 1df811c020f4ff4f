"""The job table (``job_run``): what was enqueued, what ran, what failed and why.

Every change is one conditional statement, so two workers, two web requests or a retry racing a
run can never both win: a row is created once per job id, started only from ``queued`` or
``retrying``, requeued only from ``failed``, released only from ``deferred``. The statements are
SQL, not ORM changes: the table is itself the record of jobs, not business data for the audit
trail. Like every service these never commit; the queue (``jobs``) owns the transactions.
"""

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models.jobs import JobRun, JobStatus

INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
ERROR_CHARS = 4000  # the tail of a traceback: the error itself is its last line


def _now() -> datetime:
    return datetime.now(UTC)


def _change(session: Session, job_id: str, statuses, **values) -> bool:
    """Set ``values`` on the job if its status is one of ``statuses``; whether it was."""
    result = session.execute(
        update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.status.in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


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
    return session.execute(statement.on_conflict_do_nothing()).rowcount == 1


def job_status(session: Session, job_id: str) -> str | None:
    return session.scalar(select(JobRun.status).where(JobRun.job_id == job_id))


def start_job(session: Session, job_id: str) -> tuple[str, list, int] | None:
    """Mark the job running; its (function, args, attempt number), or None if it is not waiting
    to run (finished already, or started by another worker)."""
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
    )
    return (row.function, row.args, row.attempts + 1) if started else None


def finish_job(session: Session, job_id: str) -> None:
    _change(
        session,
        job_id,
        (JobStatus.RUNNING,),
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


def fail_job(session: Session, job_id: str, error: str, retrying: bool) -> None:
    """Record a failed attempt: ``retrying`` if another attempt follows, else ``failed``."""
    _change(
        session,
        job_id,
        (JobStatus.RUNNING, JobStatus.QUEUED),
        status=JobStatus.RETRYING if retrying else JobStatus.FAILED,
        error=error[-ERROR_CHARS:],
        finished_at=_now(),
    )


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
    )
    if not requeued:
        return None
    return session.scalar(select(JobRun.queue).where(JobRun.job_id == job_id))


def set_progress(session: Session, job_id: str, done: int, total: int) -> None:
    _change(
        session,
        job_id,
        (JobStatus.RUNNING,),
        progress_done=done,
        progress_total=total,
    )
