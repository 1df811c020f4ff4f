"""Tariffs (收费标准) and their versions.

Versions of one tariff share ``community`` + ``code`` and never overlap in time; a new version
ends the previous one the day before it starts. A version that replaces another must start at
least ``notice_days`` after its publication (公示). Bills copy what they need, so editing a
tariff never changes a bill.
"""

from datetime import date
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .property import Community
from .scoping import InCommunity
from .types import PRICE, RATE, Basis, FeeKind


class Tariff(InCommunity, Model):
    __tablename__ = "tariff"
    __table_args__ = (
        UniqueConstraint("community_id", "code", "valid_from"),
        CheckConstraint("price >= 0", name="ck_tariff_price"),
        CheckConstraint("cycle_months IN (1, 3, 6, 12)", name="ck_tariff_cycle"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_tariff_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    fee_kind: Mapped[str] = mapped_column(String(16), default=FeeKind.PROPERTY)
    basis: Mapped[str] = mapped_column(String(16), default=Basis.AREA)
    price: Mapped[Decimal] = mapped_column(PRICE)
    cycle_months: Mapped[int] = mapped_column(default=1)
    property_types: Mapped[str] = mapped_column(String(100), default="residential")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    published_on: Mapped[date | None]
    # Unset values take the administrator's defaults (app.services.settings) on validation.
    due_days: Mapped[int]
    late_fee_daily_rate: Mapped[Decimal] = mapped_column(RATE)
    late_fee_grace_days: Mapped[int]
    late_fee_cap_ratio: Mapped[Decimal] = mapped_column(RATE)

    community: Mapped[Community] = relationship()

    @property
    def property_type_list(self) -> list[str]:
        return [t.strip() for t in (self.property_types or "").split(",") if t.strip()]

    def __str__(self):
        return f"{self.code} {self.name} ({self.valid_from})"
