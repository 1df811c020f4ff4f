"""Waivers and reductions (减免, docs/domain.md §5).

Customer service requests a waiver of a bill's principal or late fee, with a reason and
evidence; it changes nothing until a manager approves it. Approval adds the amount to the
bill's ``waived`` (principal) or ``late_fee_waived``; a rejected or pending request has no effect.
"""

from datetime import datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .billing import Bill
from .property import Community
from .scoping import InCommunity
from .types import MONEY, UTCDateTime


class Waiver(InCommunity, Model):
    __tablename__ = "waiver"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_waiver_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    part: Mapped[str] = mapped_column(String(16))  # principal, late_fee
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(32))  # hardship, service_failure, campaign, other
    explanation: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))

    community: Mapped[Community] = relationship()
    bill: Mapped[Bill] = relationship()

    def __str__(self):
        return f"{self.bill} {self.part} ¥{self.amount} ({self.status})"
