"""Installment agreements (分期/暂缓协议, docs/domain.md §8).

An ``InstallmentAgreement`` covers overdue bills of one unit (``InstallmentBill``: each with its
amount on the agreement's date, ``agreed_on``); ``covered_total`` is their sum and the
``Instalment`` rows (the down payment is instalment 0, due on ``agreed_on``) sum to it exactly.
A deferral (暂缓) is one instalment at a later date. Status: ``draft`` → ``active`` (a manager
approved it, the signed scan being attached) → ``completed`` or ``defaulted`` (set by the daily
scan, on ``ended_on``); a draft may instead be ``rejected`` or ``cancelled``. A bill is covered
by at most one draft or active agreement. The schedule and the covered bills never change once
drafted: a different plan is a new draft.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .billing import Bill
from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, LabelledEnum, UTCDateTime


class InstallmentKind(LabelledEnum):
    INSTALLMENT = "installment"
    DEFERRAL = "deferral"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.INSTALLMENT: _l("Installment plan"), cls.DEFERRAL: _l("Deferral")}


class InstallmentStatus(LabelledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    DEFAULTED = "defaulted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.DRAFT: _l("Draft, awaiting approval"),
            cls.ACTIVE: _l("Active"),
            cls.COMPLETED: _l("Completed"),
            cls.DEFAULTED: _l("Defaulted"),
            cls.REJECTED: _l("Rejected"),
            cls.CANCELLED: _l("Cancelled"),
        }


LIVE_STATUSES = (InstallmentStatus.DRAFT, InstallmentStatus.ACTIVE)  # they hold their bills


def instalment_label(seq: int):
    """How a line of the schedule is named: the down payment, or instalment N."""
    return _l("Down payment") if seq == 0 else _l("Instalment %(n)d", n=seq)


class InstallmentAgreement(InCommunity, Model):
    __tablename__ = "installment_agreement"
    __table_args__ = (
        CheckConstraint("covered_total > 0", name="ck_installment_covered_total"),
        CheckConstraint("grace_days >= 0", name="ck_installment_grace_days"),
        CheckConstraint("kind IN ('installment', 'deferral')", name="ck_installment_kind"),
        CheckConstraint(
            "status IN ('draft', 'active', 'completed', 'defaulted', 'rejected', 'cancelled')",
            name="ck_installment_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    agreed_on: Mapped[date]  # the covered total is reckoned on this day
    all_arrears: Mapped[bool] = mapped_column(Boolean)  # every bill overdue on agreed_on
    covered_total: Mapped[Decimal] = mapped_column(MONEY)
    grace_days: Mapped[int]  # the setting's value when drafted: the signed terms
    signed_scan: Mapped[str | None] = mapped_column(String(300))  # under WUYE_FILES_DIR
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))
    ended_on: Mapped[date | None]  # completed or defaulted on this business day

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    instalments: Mapped[list["Instalment"]] = relationship(
        back_populates="agreement", order_by="Instalment.seq"
    )
    bills: Mapped[list["InstallmentBill"]] = relationship(
        back_populates="agreement", order_by="InstallmentBill.id"
    )

    @property
    def down_payment(self) -> Decimal:
        return sum((i.amount for i in self.instalments if i.seq == 0), Decimal("0.00"))

    def __str__(self):
        return self.number


class Instalment(Model):
    """One payment of the schedule; seq 0 is the down payment."""

    __tablename__ = "instalment"
    __table_args__ = (
        UniqueConstraint("agreement_id", "seq", name="uq_instalment_seq"),
        CheckConstraint("amount > 0", name="ck_instalment_amount"),
        CheckConstraint("seq >= 0", name="ck_instalment_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("installment_agreement.id"), index=True)
    seq: Mapped[int]
    due_date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(MONEY)

    agreement: Mapped[InstallmentAgreement] = relationship(back_populates="instalments")

    def __str__(self):
        return f"{self.seq} {self.due_date} {self.amount}"


class InstallmentBill(Model):
    """A bill the agreement covers, with its balance on the agreement's date."""

    __tablename__ = "installment_bill"
    __table_args__ = (
        UniqueConstraint("agreement_id", "bill_id", name="uq_installment_bill"),
        CheckConstraint("amount > 0", name="ck_installment_bill_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("installment_agreement.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    agreement: Mapped[InstallmentAgreement] = relationship(back_populates="bills")
    bill: Mapped[Bill] = relationship()

    def __str__(self):
        return f"{self.bill} {self.amount}"
