"""Supervision (监督检查, docs/domain.md §11): plans, checks, findings, rectifications, stored
reports.

A ``CheckPlan`` covers a year, a quarter or a month, for one community or company-wide (no
community: every community's staff may read it, only those who see every community change it).
A ``SupervisionCheck`` (routine 日常, special 专项, surprise 突击) of one community records its
``Finding`` rows; each finding has exactly one ``Rectification`` (整改): a responsible staff
member, a deadline not before the check, and a status (``app.domain.supervision``) kept
current by the services and the daily marking. A ``SupervisionReport`` is one stored monthly
report PDF per community and month, or company-wide (``scope`` "all"). Instants are UTC.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import supervision as rules

from .property import Community
from .scoping import InCommunity
from .types import LabelledEnum, UTCDateTime


class PlanCycle(LabelledEnum):
    ANNUAL = "annual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.ANNUAL: _l("Annual"),
            cls.QUARTERLY: _l("Quarterly"),
            cls.MONTHLY: _l("Monthly"),
        }


class CheckKind(LabelledEnum):
    ROUTINE = "routine"
    SPECIAL = "special"
    SURPRISE = "surprise"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.ROUTINE: _l("Routine check"),
            cls.SPECIAL: _l("Special check"),
            cls.SURPRISE: _l("Surprise check"),
        }


class Severity(LabelledEnum):
    GENERAL = "general"
    SERIOUS = "serious"
    CRITICAL = "critical"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.GENERAL: _l("General"),
            cls.SERIOUS: _l("Serious"),
            cls.CRITICAL: _l("Critical"),
        }


class RectificationStatus(LabelledEnum):
    OPEN = rules.OPEN
    RECTIFIED = rules.RECTIFIED
    ACCEPTED = rules.ACCEPTED
    OVERDUE = rules.OVERDUE

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.OPEN: _l("To rectify"),
            cls.RECTIFIED: _l("Rectified, awaiting acceptance"),
            cls.ACCEPTED: _l("Accepted"),
            cls.OVERDUE: _l("Overdue"),
        }


def _one_of(column: str, enum) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class CheckPlan(Model):
    __tablename__ = "supervision_plan"
    __table_args__ = (
        CheckConstraint(_one_of("cycle", PlanCycle), name="ck_supervision_plan_cycle"),
        CheckConstraint("ends_on >= starts_on", name="ck_supervision_plan_period"),
        CheckConstraint("planned_checks >= 1", name="ck_supervision_plan_checks"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]
    planned_checks: Mapped[int] = mapped_column(default=1)
    focus: Mapped[str] = mapped_column(Text, default="")  # what the checks look at
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community | None] = relationship()

    @classmethod
    def in_communities(cls, ids):
        """A company-wide plan is every community's to read."""
        return or_(cls.community_id.is_(None), cls.community_id.in_(ids))

    @property
    def scope_community_id(self):
        """None for a company-wide plan: only who sees every community may change it."""
        return self.community.id if self.community is not None else self.community_id

    def __str__(self):
        return f"{self.title} ({self.starts_on:%Y-%m})"


class SupervisionCheck(InCommunity, Model):
    __tablename__ = "supervision_check"
    __table_args__ = (
        CheckConstraint(_one_of("kind", CheckKind), name="ck_supervision_check_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    checked_on: Mapped[date] = mapped_column(index=True)
    inspector: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    plan: Mapped[CheckPlan | None] = relationship()
    findings: Mapped[list["Finding"]] = relationship(back_populates="check", order_by="Finding.id")

    def __str__(self):
        return f"{self.community} {self.checked_on} {CheckKind(self.kind).label}"


class Finding(InCommunity, Model):
    __tablename__ = "supervision_finding"
    __table_args__ = (
        CheckConstraint(_one_of("severity", Severity), name="ck_supervision_finding_severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("supervision_check.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)

    community: Mapped[Community] = relationship()
    check: Mapped[SupervisionCheck] = relationship(back_populates="findings")
    rectification: Mapped["Rectification"] = relationship(back_populates="finding")

    def __str__(self):
        return self.description[:40]


class Rectification(InCommunity, Model):
    __tablename__ = "rectification"
    __table_args__ = (
        CheckConstraint(_one_of("status", RectificationStatus), name="ck_rectification_status"),
        CheckConstraint(
            "(status = 'accepted') = (accepted_at IS NOT NULL)", name="ck_rectification_accepted"
        ),
        CheckConstraint(
            "accepted_at IS NULL OR rectified_at IS NOT NULL", name="ck_rectification_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("supervision_finding.id"), unique=True)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=RectificationStatus.OPEN, index=True)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_by: Mapped[str | None] = mapped_column(String(100))
    rectification_note: Mapped[str] = mapped_column(Text, default="")  # what was done
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    rejections: Mapped[int] = mapped_column(default=0)
    decision_note: Mapped[str | None] = mapped_column(String(300))  # the last acceptance or not

    community: Mapped[Community] = relationship()
    finding: Mapped[Finding] = relationship(back_populates="rectification")
    responsible: Mapped[User] = relationship()

    @property
    def severity(self) -> str:
        return self.finding.severity

    @property
    def description(self) -> str:
        return self.finding.description

    @property
    def checked_on(self) -> date:
        return self.finding.check.checked_on

    def __str__(self):
        return f"{self.finding} ({self.deadline})"


class SupervisionReport(InCommunity, Model):
    """A stored monthly report; company-wide ones (no community) only for who sees all."""

    __tablename__ = "supervision_report"
    __table_args__ = (UniqueConstraint("month", "scope", name="uq_supervision_report_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # the community's id, or "all"
    month: Mapped[date] = mapped_column(index=True)  # its first day
    file: Mapped[str] = mapped_column(String(300))  # PDF under WUYE_FILES_DIR
    pages: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generated_by: Mapped[str] = mapped_column(String(100))

    community: Mapped[Community | None] = relationship()

    def pdf(self) -> int:
        """The report's id: screens link its PDF."""
        return self.id

    def __str__(self):
        return f"{self.community or _l('Company-wide')} {self.month:%Y-%m}"
