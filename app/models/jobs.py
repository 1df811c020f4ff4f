"""Background jobs as Admin sees them: one row per job, written by both queue modes.

``job_id`` is unique, so a deterministic key enqueued twice can never make a second row (the
database backs up RQ's ``unique=True``). A job that depends on another waits as ``deferred``
until that one has finished. Instants are UTC.

A running job names its ``worker`` (``rq:<worker name>`` or ``embedded:<host>:<pid>``); an RQ
worker writes ``heartbeat_at`` while its work-horse runs, so that a job whose worker died is
found and run again (``jobs.sweeper``, docs/jobs.md).
"""

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .types import LabelledEnum, UTCDateTime


class JobStatus(LabelledEnum):
    DEFERRED = "deferred"
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    FINISHED = "finished"
    FAILED = "failed"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.DEFERRED: _l("Waiting for another job"),
            cls.QUEUED: _l("Queued"),
            cls.RUNNING: _l("Running"),
            cls.RETRYING: _l("Failed, will retry"),
            cls.FINISHED: _l("Finished"),
            cls.FAILED: _l("Failed"),
        }


class JobRun(Model):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), unique=True)
    function: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(200), default="")
    depends_on: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int | None]
    progress_total: Mapped[int | None]
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_by: Mapped[str] = mapped_column(String(100), default="")

    def progress(self) -> str:
        """``done / total`` as the running job last reported it, or nothing."""
        if self.progress_total is None:
            return ""
        return f"{self.progress_done} / {self.progress_total}"

    def __str__(self):
        return self.job_id
