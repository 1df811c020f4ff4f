"""Payment-notice batches (docs/domain.md §3): one per community and billing month, one notice per
bill.

A batch lists its notices when it starts (the community's live bills of the month, in print
order, split into chunks rendered by separate jobs); each notice gets its PDF (``file``, under
``WUYE_FILES_DIR``) when its chunk is rendered, the batch its merged printable PDF when every
chunk is. ``status`` says how far the documents are; whether a job of the batch failed is the
job table's to say (``job_ids``). A bill has at most one notice. Instants are UTC.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .billing import Bill
from .jobs import JobRun, JobStatus
from .outbox import OutboxMessage
from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, LabelledEnum, UTCDateTime


class NoticeBatchStatus(LabelledEnum):
    RENDERING = "rendering"  # chunk jobs queued or running
    MERGING = "merging"  # every notice rendered: the merge job queued or running
    FINISHED = "finished"
    FAILED = "failed"  # never stored: a job of the batch failed (NoticeBatch.job_ids)

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.RENDERING: _l("Rendering"),
            cls.MERGING: _l("Merging"),
            cls.FINISHED: _l("Finished"),
            cls.FAILED: _l("Failed"),
        }


def job_key(batch_id: int, part: int | str) -> str:
    """The deterministic job id of a chunk (``part``: its index) or of the ``"merge"``."""
    return f"notices-{batch_id}-{part}"


class NoticeBatch(InCommunity, Model):
    __tablename__ = "notice_batch"
    __table_args__ = (
        UniqueConstraint("community_id", "period_start", name="uq_notice_batch_period"),
        CheckConstraint(
            "status IN ('rendering', 'merging', 'finished')", name="ck_notice_batch_status"
        ),
        CheckConstraint(
            "chunks > 0 AND rendered >= 0 AND rendered <= notices", name="ck_notice_batch_counts"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    period_start: Mapped[date]
    issued_on: Mapped[date]  # the notices' date: late fees are computed to it
    status: Mapped[str] = mapped_column(String(16), default=NoticeBatchStatus.RENDERING)
    chunks: Mapped[int]
    notices: Mapped[int] = mapped_column(default=0)
    rendered: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int | None]
    merged_file: Mapped[str | None] = mapped_column(String(300))  # under WUYE_FILES_DIR
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()

    def job_ids(self) -> list[str]:
        return [job_key(self.id, k) for k in range(self.chunks)] + [job_key(self.id, "merge")]

    def progress(self) -> str:
        return f"{self.rendered} / {self.notices}"

    def pdf(self) -> int | None:
        """The batch's id once its merged PDF exists (screens link it)."""
        return self.id if self.merged_file else None

    def failure(self) -> JobRun | None:
        """The batch's first failed job, unless the batch got finished all the same."""
        if self.status == NoticeBatchStatus.FINISHED:
            return None
        return object_session(self).scalar(
            select(JobRun)
            .where(JobRun.job_id.in_(self.job_ids()), JobRun.status == JobStatus.FAILED)
            .order_by(JobRun.id)
            .limit(1)
        )

    def state(self) -> str:
        """``status``, or ``failed`` while a job of the batch has failed."""
        return NoticeBatchStatus.FAILED if self.failure() is not None else self.status

    def __str__(self):
        return f"{self.community.code if self.community else ''} {self.period_start:%Y-%m}".strip()


class Notice(InCommunity, Model):
    """One bill's notice: its place in the batch, then its PDF and what was asked for."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("bill_id", name="uq_notice_bill"),
        UniqueConstraint("batch_id", "position", name="uq_notice_position"),
        Index("ix_notice_batch_chunk", "batch_id", "chunk"),
        CheckConstraint("pages IS NULL OR pages > 0", name="ck_notice_pages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("notice_batch.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    position: Mapped[int]  # order in the merged PDF
    chunk: Mapped[int]
    file: Mapped[str | None] = mapped_column(String(300))  # under WUYE_FILES_DIR
    pages: Mapped[int | None]
    total_due: Mapped[Decimal | None] = mapped_column(MONEY)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))

    batch: Mapped[NoticeBatch] = relationship()
    community: Mapped[Community] = relationship()
    bill: Mapped[Bill] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    message: Mapped[OutboxMessage | None] = relationship()

    def pdf(self) -> int | None:
        """The notice's id once its PDF exists (screens link it)."""
        return self.id if self.file else None

    def __str__(self):
        return self.bill.number if self.bill else str(self.id)
