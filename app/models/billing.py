"""Billing runs, bills and bill lines (docs/domain.md §3).

A bill is one unit's charges for one period start: one line per tariff, each line's amount
rounded once to the fen. ``paid``, ``waived``, ``late_fee`` and ``balance`` are caches of the
allocations and waivers, written in the same transaction. A live (not cancelled) bill is unique
per unit and period start, and a live line per unit, tariff and period start: that is what makes
a billing run idempotent. Bills are never deleted; a wrong one is cancelled with a reason and
re-issued.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .tariff import Tariff
from .types import AREA, MONEY, PRICE, BillKind, BillStatus, UTCDateTime

LIVE = text("status <> 'cancelled'")
LIVE_LINE = text("cancelled = false")


class BillingRun(InCommunity, Model):
    """One billing run (or preview) with its counts and the reasons of what failed."""

    __tablename__ = "billing_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date]
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    bills: Mapped[int] = mapped_column(default=0)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    failures: Mapped[list] = mapped_column(JSON, default=list)

    community: Mapped[Community | None] = relationship()

    @classmethod
    def in_communities(cls, ids):
        """A run over every community (``community_id`` NULL) is for all-seeing roles only."""
        return and_(cls.community_id.is_not(None), cls.community_id.in_(ids))

    def __str__(self):
        return f"{self.period_start:%Y-%m} #{self.id}"


class Bill(InCommunity, Model):
    __tablename__ = "bill"
    __table_args__ = (
        Index(
            "uq_bill_live",
            "unit_id",
            "period_start",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
        Index("ix_bill_community_period", "community_id", "period_start"),
        CheckConstraint("total >= 0", name="ck_bill_total"),
        CheckConstraint("paid >= 0 AND waived >= 0 AND late_fee >= 0", name="ck_bill_amounts"),
        CheckConstraint("late_fee_waived >= 0", name="ck_bill_late_fee_waived"),
        CheckConstraint("late_fee_closed >= 0", name="ck_bill_late_fee_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_run.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_date: Mapped[date] = mapped_column(index=True)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    waived: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    late_fee: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    late_fee_waived: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # posted by the month close while the principal is unpaid: accrued to ``late_fee_closed_on``
    late_fee_closed: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    late_fee_closed_on: Mapped[date | None]
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(16), default=BillStatus.OPEN, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("bill.id"))
    # an opening balance (moving in, docs/domain.md §14) has no run, and takes no run's lines
    kind: Mapped[str] = mapped_column(
        String(16), default=BillKind.REGULAR, server_default=BillKind.REGULAR.value
    )

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[Owner | None] = relationship()
    run: Mapped[BillingRun | None] = relationship()
    lines: Mapped[list["BillLine"]] = relationship(back_populates="bill", order_by="BillLine.id")

    def __str__(self):
        return self.number


class BillLine(Model):
    __tablename__ = "bill_line"
    __table_args__ = (
        Index(
            "uq_bill_line_live",
            "unit_id",
            "tariff_id",
            "period_start",
            unique=True,
            sqlite_where=LIVE_LINE,
            postgresql_where=LIVE_LINE,
        ),
        # A unit's lines of a period. The partial index above cannot serve SQLite's queries
        # (it renders ``cancelled = 0``, not the index's ``cancelled = false``), so billing's
        # "already billed?" check would scan every line without this one.
        Index("ix_bill_line_unit_period", "unit_id", "period_start"),
        CheckConstraint("amount >= 0", name="ck_bill_line_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id"), index=True)
    # an opening balance's line names its fee; it has a tariff only when one bears that name
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("tariff.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    fee_kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    basis: Mapped[str] = mapped_column(String(16))
    area: Mapped[Decimal | None] = mapped_column(AREA)
    price: Mapped[Decimal] = mapped_column(PRICE)
    months: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)

    bill: Mapped[Bill] = relationship(back_populates="lines")
    tariff: Mapped[Tariff | None] = relationship()

    @classmethod
    def in_communities(cls, ids):
        """A line lies in its bill's community."""
        return cls.bill.has(Bill.community_id.in_(ids))

    @property
    def scope_community_id(self):
        return self.bill.community_id

    def __str__(self):
        return f"{self.name} {self.amount}"
