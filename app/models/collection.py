"""Collection campaigns and task sheets (清欠任务单, docs/domain.md §7).

A manager's ``CollectionCampaign`` picks a community's overdue units by filters (minimum days
overdue, minimum amount) on its start day and deals them to staff: one ``CollectionTask`` per
unit, with the arrears at start (what the clearance rate is measured against), the assignee and
the next action with its due day. Every ``ContactAttempt`` records channel and outcome class;
the outcome sets the task's next action (``app.domain.collection.next_action``). A refusal
escalates the task to the community manager and flags that a complaint must be opened
(``complaint_needed``); the complaint opened from the task is linked to it (``complaint``). A unit
is in at most one active campaign. A dunning level with the visit channel puts a task on a
collector's list (next action ``dunning_visit``), in a campaign the scan opens for the day's
visits of the community, or on the unit's task of an active campaign.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.collection import NextAction, Outcome

from .complaints import Complaint
from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, LabelledEnum, UTCDateTime


class CampaignStatus(LabelledEnum):
    ACTIVE = "active"
    CLOSED = "closed"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.ACTIVE: _l("Active"), cls.CLOSED: _l("Closed")}


class TaskStatus(LabelledEnum):
    NEW = "new"  # not contacted yet
    IN_PROGRESS = "in_progress"
    PROMISED = "promised"
    ESCALATED = "escalated"  # refused: the community manager's

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.NEW: _l("Not contacted yet"),
            cls.IN_PROGRESS: _l("In progress"),
            cls.PROMISED: _l("Payment promised"),
            cls.ESCALATED: _l("Escalated to the community manager"),
        }


class ContactOutcome(LabelledEnum):
    PROMISED = Outcome.PROMISED.value
    UNDETERMINED = Outcome.UNDETERMINED.value
    UNREACHABLE = Outcome.UNREACHABLE.value
    AWAY = Outcome.AWAY.value
    REFUSED = Outcome.REFUSED.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PROMISED: _l("Will pay soon (date and amount promised)"),
            cls.UNDETERMINED: _l("Not decided yet"),
            cls.UNREACHABLE: _l("Cannot be reached"),
            cls.AWAY: _l("Away from home"),
            cls.REFUSED: _l("Refuses to pay (facilities or service)"),
        }


class TaskAction(LabelledEnum):
    FIRST_CONTACT = NextAction.FIRST_CONTACT.value
    REMIND_BEFORE_PROMISE = NextAction.REMIND_BEFORE_PROMISE.value
    CONTACT_AGAIN = NextAction.CONTACT_AGAIN.value
    FIND_CONTACT_VISIT = NextAction.FIND_CONTACT_VISIT.value
    GUIDE_REMOTE_PAYMENT = NextAction.GUIDE_REMOTE_PAYMENT.value
    MANAGER_FOLLOW_UP = NextAction.MANAGER_FOLLOW_UP.value
    DUNNING_VISIT = NextAction.DUNNING_VISIT.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.FIRST_CONTACT: _l("First contact"),
            cls.REMIND_BEFORE_PROMISE: _l("Remind the day before the promised date"),
            cls.CONTACT_AGAIN: _l("Contact again until a promise is made"),
            cls.FIND_CONTACT_VISIT: _l("Find a new contact, visit in person"),
            cls.GUIDE_REMOTE_PAYMENT: _l("Contact again, guide to paying remotely"),
            cls.MANAGER_FOLLOW_UP: _l("Community manager follows up; open a complaint"),
            cls.DUNNING_VISIT: _l("Visit the owner (dunning level)"),
        }


class ContactChannel(LabelledEnum):
    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"
    WECHAT = "wechat"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PHONE: _l("Phone"),
            cls.VISIT: _l("Visit"),
            cls.SMS: _l("SMS"),
            cls.WECHAT: _l("WeChat"),
            cls.OTHER: _l("Other"),
        }


def _one_of(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class CollectionCampaign(InCommunity, Model):
    __tablename__ = "collection_campaign"
    __table_args__ = (
        CheckConstraint("min_days_overdue >= 1", name="ck_collection_campaign_min_days"),
        CheckConstraint("min_amount >= 0", name="ck_collection_campaign_min_amount"),
        CheckConstraint("first_contact_by >= started_on", name="ck_collection_campaign_deadline"),
        CheckConstraint(_one_of("status", CampaignStatus), name="ck_collection_campaign_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    min_days_overdue: Mapped[int]
    min_amount: Mapped[Decimal] = mapped_column(MONEY)
    started_on: Mapped[date]  # the business day arrears were measured on
    first_contact_by: Mapped[date]  # every owner reached by this day
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.ACTIVE, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    tasks: Mapped[list["CollectionTask"]] = relationship(
        back_populates="campaign", order_by="CollectionTask.id"
    )

    def __str__(self):
        return self.name


class CollectionTask(InCommunity, Model):
    __tablename__ = "collection_task"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_collection_task_campaign_unit"),
        CheckConstraint("arrears_at_start > 0", name="ck_collection_task_arrears"),
        CheckConstraint(_one_of("status", TaskStatus), name="ck_collection_task_status"),
        CheckConstraint(_one_of("next_action", TaskAction), name="ck_collection_task_action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("collection_campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    arrears_at_start: Mapped[Decimal] = mapped_column(MONEY)
    days_overdue_at_start: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.NEW, index=True)
    next_action: Mapped[str] = mapped_column(String(32))
    next_due: Mapped[date] = mapped_column(index=True)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    complaint_needed: Mapped[bool] = mapped_column(Boolean, default=False)  # no complaint yet
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)

    community: Mapped[Community] = relationship()
    campaign: Mapped[CollectionCampaign] = relationship(back_populates="tasks")
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    assignee: Mapped[User] = relationship()
    complaint: Mapped[Complaint | None] = relationship()
    attempts: Mapped[list["ContactAttempt"]] = relationship(
        back_populates="task", order_by="ContactAttempt.at"
    )

    @classmethod
    def first(cls, campaign, unit_id, owner_id, assignee_id, arrears, days, action, due):
        """A new task of ``campaign`` for a unit owing ``arrears`` (overdue ``days``), not
        contacted yet: ``action`` is due on ``due``."""
        return cls(
            community_id=campaign.community_id or campaign.community.id,
            campaign=campaign,
            unit_id=unit_id,
            owner_id=owner_id,
            assignee_id=assignee_id,
            arrears_at_start=arrears,
            days_overdue_at_start=days,
            status=TaskStatus.NEW,
            next_action=action,
            next_due=due,
        )

    @property
    def phone(self) -> str:
        """The owner's phone (personal data: masked for who may not see it)."""
        return self.owner.phone if self.owner is not None else ""

    def __str__(self):
        return f"{self.unit} ({self.campaign})"


class ContactAttempt(InCommunity, Model):
    __tablename__ = "contact_attempt"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", ContactOutcome), name="ck_contact_attempt_outcome"),
        CheckConstraint(_one_of("channel", ContactChannel), name="ck_contact_attempt_channel"),
        CheckConstraint(
            "outcome <> 'promised' OR (promised_date IS NOT NULL AND promised_amount > 0)",
            name="ck_contact_attempt_promise",
        ),
        CheckConstraint(
            "outcome <> 'refused' OR refusal_reason <> ''", name="ck_contact_attempt_refusal"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("collection_task.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    promised_date: Mapped[date | None]
    promised_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    refusal_reason: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))

    community: Mapped[Community] = relationship()
    task: Mapped[CollectionTask] = relationship(back_populates="attempts")

    def __str__(self):
        return f"{self.task} {self.outcome}"
