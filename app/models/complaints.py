"""Complaints and their follow-up log (投诉与回访, docs/domain.md §9).

A ``Complaint`` is about one unit (and its paying owner when known), received through a channel
at an instant (``received_at``, UTC) that falls on a business date (``received_on``). Its two
deadlines are fixed when it is logged (``app.domain.complaints``): ``respond_by`` (an instant)
and ``resolve_by`` (the last business day). ``response_overdue`` / ``resolution_overdue`` are
not stored: they are computed when read (``overdue_at``), from the deadlines, the instant of the
acknowledgement and the business day of the latest resolution (``resolved_on``), at the instant
the request reads (``read_at``). ``response_overdue_logged`` / ``resolution_overdue_logged`` only
record that the daily check wrote the follow-up entry of a missed deadline (so that it writes
it once); reopening gives a new resolution day. A closed complaint carries its return-visit
score (1–5). ``nonpayment_reason`` marks it
as the owner's reason for not paying, which pauses dunning while it is open. Every step —
logging, assignment, each status move, notes, marks, missed deadlines — is a
``ComplaintEntry``: who, when, from and to which status, note (and the score of a return visit).
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import business_date, read_at
from app.domain.complaints import Status, Step, resolution_late, response_late

from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import LabelledEnum, UTCDateTime, one_of


class ComplaintStatus(LabelledEnum):
    NEW = Status.NEW.value
    ACKNOWLEDGED = Status.ACKNOWLEDGED.value
    IN_PROGRESS = Status.IN_PROGRESS.value
    RESOLVED = Status.RESOLVED.value
    CLOSED = Status.CLOSED.value
    REOPENED = Status.REOPENED.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.NEW: _l("New"),
            cls.ACKNOWLEDGED: _l("Acknowledged"),
            cls.IN_PROGRESS: _l("In progress"),
            cls.RESOLVED: _l("Resolved (return visit due)"),
            cls.CLOSED: _l("Closed"),
            cls.REOPENED: _l("Reopened"),
        }


class ComplaintCategory(LabelledEnum):
    SECURITY = "security"
    CLEANING = "cleaning"
    GREENING = "greening"
    FACILITIES = "facilities"
    PARKING = "parking"
    NEIGHBOURS = "neighbours"
    FEES = "fees"
    STAFF_CONDUCT = "staff_conduct"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.SECURITY: _l("Security services"),
            cls.CLEANING: _l("Cleaning"),
            cls.GREENING: _l("Greening"),
            cls.FACILITIES: _l("Facilities and equipment"),
            cls.PARKING: _l("Parking"),
            cls.NEIGHBOURS: _l("Neighbours and noise"),
            cls.FEES: _l("Fees"),
            cls.STAFF_CONDUCT: _l("Staff conduct"),
            cls.OTHER: _l("Other"),
        }


class ComplaintChannel(LabelledEnum):
    PHONE = "phone"
    FRONT_DESK = "front_desk"
    APP = "app"
    WECHAT = "wechat"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PHONE: _l("Phone"),
            cls.FRONT_DESK: _l("Front desk"),
            cls.APP: _l("App"),
            cls.WECHAT: _l("WeChat"),
            cls.EMAIL: _l("Email"),
            cls.LETTER: _l("Letter"),
            cls.VISIT: _l("Visit"),
        }


class EntryAction(LabelledEnum):
    LOGGED = "logged"
    ASSIGNED = "assigned"
    # the status moves: as the steps of app.domain.complaints.Step
    ACKNOWLEDGE = Step.ACKNOWLEDGE.value
    START = Step.START.value
    RESOLVE = Step.RESOLVE.value
    RETURN_VISIT = Step.RETURN_VISIT.value
    REOPEN = Step.REOPEN.value
    NOTE = "note"
    REASON_MARKED = "reason_marked"
    REASON_CLEARED = "reason_cleared"
    RESPONSE_OVERDUE = "response_overdue"
    RESOLUTION_OVERDUE = "resolution_overdue"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.LOGGED: _l("Logged"),
            cls.ASSIGNED: _l("Assigned"),
            cls.ACKNOWLEDGE: _l("Acknowledged (first response)"),
            cls.START: _l("Work started"),
            cls.RESOLVE: _l("Resolved"),
            cls.RETURN_VISIT: _l("Return visit"),
            cls.REOPEN: _l("Reopened"),
            cls.NOTE: _l("Follow-up note"),
            cls.REASON_MARKED: _l("Marked as the reason for not paying"),
            cls.REASON_CLEARED: _l("No longer the reason for not paying"),
            cls.RESPONSE_OVERDUE: _l("First-response deadline missed"),
            cls.RESOLUTION_OVERDUE: _l("Resolution deadline missed"),
        }


class Complaint(InCommunity, Model):
    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint(one_of("status", ComplaintStatus), name="ck_complaint_status"),
        CheckConstraint(one_of("category", ComplaintCategory), name="ck_complaint_category"),
        CheckConstraint(one_of("channel", ComplaintChannel), name="ck_complaint_channel"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="ck_complaint_satisfaction"),
        CheckConstraint(
            "status <> 'closed' OR satisfaction IS NOT NULL", name="ck_complaint_closed_score"
        ),
        CheckConstraint("respond_by > received_at", name="ck_complaint_respond_by"),
        CheckConstraint("resolve_by >= received_on", name="ck_complaint_resolve_by"),
        Index("ix_complaint_unit_category", "unit_id", "category", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16), index=True)
    description: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(index=True)  # business date of receipt
    logged_by: Mapped[str] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.NEW, index=True)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_by: Mapped[date]
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first response
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest resolution
    resolved_on: Mapped[date | None]  # its business date
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_overdue_logged: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_overdue_logged: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[int | None]  # the latest return visit's score
    nonpayment_reason: Mapped[bool] = mapped_column(Boolean, default=False)

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    entries: Mapped[list["ComplaintEntry"]] = relationship(
        back_populates="complaint", order_by="[ComplaintEntry.at, ComplaintEntry.id]"
    )

    @property
    def phone(self) -> str:
        """The owner's phone (personal data: masked for who may not see it)."""
        return self.owner.phone if self.owner is not None else ""

    def overdue_at(self, now: datetime) -> tuple[bool, bool]:
        """Whether the first response and the resolution are late, read at ``now``."""
        return (
            response_late(self.respond_by, self.acknowledged_at, now),
            resolution_late(self.resolve_by, self.resolved_on, business_date(now)),
        )

    @property
    def response_overdue(self) -> bool:
        """The first response is late, as the request reads it (never stored)."""
        return self.overdue_at(read_at())[0]

    @property
    def resolution_overdue(self) -> bool:
        """The resolution is late, as the request reads it (never stored)."""
        return self.overdue_at(read_at())[1]

    def __str__(self):
        return f"#{self.id} {self.unit}"


class ComplaintEntry(InCommunity, Model):
    __tablename__ = "complaint_entry"
    __table_args__ = (
        CheckConstraint(one_of("action", EntryAction), name="ck_complaint_entry_action"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_complaint_entry_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int | None]  # a return visit's
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))  # an assignment's

    community: Mapped[Community] = relationship()
    complaint: Mapped[Complaint] = relationship(back_populates="entries")
    assignee: Mapped[User | None] = relationship()

    def __str__(self):
        return f"{self.complaint} {self.action}"
