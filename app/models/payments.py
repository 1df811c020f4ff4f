"""Payments, their allocations to bills, and receipts (docs/domain.md §4).

The ledger is append-only. A payment is never edited or deleted: a wrong one is reversed by a
``reversal`` row (same amount, ``reverses_id`` set) whose allocations are the negatives of the
original's, and the original's receipt is voided. Allocations are the truth: what a payment has
not allocated is the unit's credit (预存), and ``bill.paid``/``balance`` are caches of them.
An external reference is unique per method, so re-importing a statement records nothing twice.
Receipt numbers are gapless per community and year.
"""

from datetime import datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .billing import Bill
from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, UTCDateTime

PAYMENT_WITH_REFERENCE = text("reference IS NOT NULL AND kind = 'payment'")


class Payment(InCommunity, Model):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payment_amount"),
        Index(
            "uq_payment_reference",
            "method",
            "reference",
            unique=True,
            sqlite_where=PAYMENT_WITH_REFERENCE,
            postgresql_where=PAYMENT_WITH_REFERENCE,
        ),
        Index(
            "uq_payment_reversed_once",
            "reverses_id",
            unique=True,
            sqlite_where=text("reverses_id IS NOT NULL"),
            postgresql_where=text("reverses_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"))
    kind: Mapped[str] = mapped_column(String(16), default="payment")  # payment, reversal
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    reason: Mapped[str | None] = mapped_column(String(200))

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    allocations: Mapped[list["Allocation"]] = relationship(back_populates="payment")
    receipt: Mapped["Receipt | None"] = relationship(back_populates="payment")

    def __str__(self):
        return f"{self.kind} {self.amount} ({self.method})"


class Allocation(Model):
    """Money of one payment applied to one bill; negative on a reversal."""

    __tablename__ = "allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    late_fee: Mapped[Decimal] = mapped_column(MONEY)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    bill: Mapped[Bill] = relationship()


class Receipt(InCommunity, Model):
    __tablename__ = "receipt"
    __table_args__ = (UniqueConstraint("community_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    void: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(String(200))

    payment: Mapped[Payment] = relationship(back_populates="receipt")
    community: Mapped[Community] = relationship()

    def __str__(self):
        return self.number


class ReceiptCounter(Model):
    """The last receipt number used per community and year (locked while one is issued)."""

    __tablename__ = "receipt_counter"
    __table_args__ = (UniqueConstraint("community_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
