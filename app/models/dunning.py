"""Dunning (分级催缴, docs/domain.md §6): the levels, one case per episode of arrears, its actions.

``DunningLevel`` rows are the five levels 0–4 (installed by the migration, edited by an
administrator). A ``DunningCase`` follows one unit from the first action until its arrears are
cleared; at most one case per unit is open. Its ``level`` only rises, by ``DunningAction`` rows:
one per level and case (what, when, channel, document, message, by whom, outcome). A legal
proposal carries its decision (``proposed`` → ``approved`` or ``rejected``). A visit (channel
``visit``) links the collection task it put on a collector's list (``task``) and the contact
attempt that recorded its outcome (``attempt``; ``outcome`` holds that attempt's outcome class).
A case may be paused (``pause_kind``, optional ``paused_until``) by the slice that owns the
reason: installment, promise to pay, complaint.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.dunning import VISIT, ActionKind, PauseKind

from .collection import CollectionTask, ContactAttempt
from .outbox import OutboxMessage
from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, Channel, LabelledEnum, UTCDateTime

OPEN_CASE = sql("closed_on IS NULL")


class DunningActionKind(LabelledEnum):
    REMINDER = ActionKind.REMINDER.value
    LETTER = ActionKind.LETTER.value
    FOLLOW_UP = ActionKind.FOLLOW_UP.value
    LEGAL_PROPOSAL = ActionKind.LEGAL_PROPOSAL.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.REMINDER: _l("Reminder"),
            cls.LETTER: _l("Formal dunning letter"),
            cls.FOLLOW_UP: _l("Key follow-up"),
            cls.LEGAL_PROPOSAL: _l("Legal action proposed"),
        }


class DunningPause(LabelledEnum):
    INSTALLMENT = PauseKind.INSTALLMENT.value
    PROMISE = PauseKind.PROMISE.value
    COMPLAINT = PauseKind.COMPLAINT.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.INSTALLMENT: _l("Installment agreement on track"),
            cls.PROMISE: _l("Promise to pay"),
            cls.COMPLAINT: _l("Open complaint given as the reason"),
        }


class LevelChannel(LabelledEnum):
    """How a level's action is carried out: an owners' channel, or a visit (上门催收)."""

    SMS = Channel.SMS.value
    PHONE = Channel.PHONE.value
    EMAIL = Channel.EMAIL.value
    LETTER = Channel.LETTER.value
    APP = Channel.APP.value
    VISIT = VISIT

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls(c.value): c.label for c in Channel} | {cls.VISIT: _l("Visit")}


class ProposalStatus(LabelledEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PROPOSED: _l("Awaiting a manager's decision"),
            cls.APPROVED: _l("Approved"),
            cls.REJECTED: _l("Rejected"),
        }


class DunningTemplate(LabelledEnum):
    PRE_DUE_REMINDER = "pre_due_reminder"
    FRIENDLY_REMINDER = "friendly_reminder"
    FORMAL_LETTER = "formal_letter"
    KEY_FOLLOW_UP = "key_follow_up"
    LEGAL_PROPOSAL = "legal_proposal"
    HOME_VISIT = "home_visit"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PRE_DUE_REMINDER: _l("Pre-due reminder"),
            cls.FRIENDLY_REMINDER: _l("Friendly reminder"),
            cls.FORMAL_LETTER: _l("Formal dunning letter (PDF)"),
            cls.KEY_FOLLOW_UP: _l("Key follow-up by the community manager"),
            cls.LEGAL_PROPOSAL: _l("Legal action proposal (manager's approval)"),
            cls.HOME_VISIT: _l("Visit by a collector of the community (task list)"),
        }


class DunningLevel(Model):
    __tablename__ = "dunning_level"
    __table_args__ = (
        CheckConstraint("level BETWEEN 0 AND 4", name="ck_dunning_level_number"),
        CheckConstraint("min_amount >= 0", name="ck_dunning_level_min_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))
    days: Mapped[int]  # days overdue; negative: days before the due date
    min_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    channel: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return f"{self.level} {self.name}"


class DunningCase(InCommunity, Model):
    __tablename__ = "dunning_case"
    __table_args__ = (
        Index(
            "uq_dunning_case_open",
            "unit_id",
            unique=True,
            sqlite_where=OPEN_CASE,
            postgresql_where=OPEN_CASE,
        ),
        CheckConstraint("level BETWEEN 0 AND 4", name="ck_dunning_case_level"),
        CheckConstraint(
            "pause_kind IS NULL OR pause_kind IN ('installment', 'promise', 'complaint')",
            name="ck_dunning_case_pause",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    level: Mapped[int]  # the highest level acted on
    opened_on: Mapped[date] = mapped_column(index=True)
    closed_on: Mapped[date | None]
    pause_kind: Mapped[str | None] = mapped_column(String(16))
    pause_note: Mapped[str] = mapped_column(String(300), default="")
    paused_until: Mapped[date | None]  # the last day of the pause; none: until lifted

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    actions: Mapped[list["DunningAction"]] = relationship(
        back_populates="case", order_by="DunningAction.level"
    )

    def __str__(self):
        return f"{self.unit} #{self.id}"


class DunningAction(InCommunity, Model):
    __tablename__ = "dunning_action"
    __table_args__ = (
        UniqueConstraint("case_id", "level", name="uq_dunning_action_case_level"),
        CheckConstraint("level BETWEEN 0 AND 4", name="ck_dunning_action_level"),
        CheckConstraint(
            "kind IN ('reminder', 'letter', 'follow_up', 'legal_proposal')",
            name="ck_dunning_action_kind",
        ),
        CheckConstraint(
            "(kind = 'legal_proposal') = (status IS NOT NULL)", name="ck_dunning_action_status"
        ),
        CheckConstraint(
            "status IS NULL OR status IN ('proposed', 'approved', 'rejected')",
            name="ck_dunning_action_status_values",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    level: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    scheduled_on: Mapped[date] = mapped_column(index=True)  # the business day of the scan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(MONEY)  # overdue (or falling due) on that day
    days_overdue: Mapped[int]
    deadline: Mapped[date | None]  # a formal letter's demand: pay by this day
    document: Mapped[str | None] = mapped_column(String(300))  # PDF under WUYE_FILES_DIR
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id"), index=True
    )
    outcome: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("collection_task.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempt.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(16), index=True)  # legal proposals
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))

    community: Mapped[Community] = relationship()
    case: Mapped[DunningCase] = relationship(back_populates="actions")
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()
    task: Mapped[CollectionTask | None] = relationship()  # a visit's
    attempt: Mapped[ContactAttempt | None] = relationship()  # what the visit found

    def __str__(self):
        return f"{self.unit} L{self.level} {self.scheduled_on}"
