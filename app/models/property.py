"""Communities (小区), buildings (楼栋) and units (房屋).

Every scoped model answers ``in_communities(ids)`` (a SQL condition) and ``scope_community_id``
(the community a row belongs to), so one filter can restrict any list to a user's communities.
A unit's code is unique within its building; its area is positive with two decimals.
"""

from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.payment_codes import payment_code

from .scoping import InCommunity
from .types import AREA, PropertyType, UnitStatus


class Community(Model):
    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    payee_name: Mapped[str] = mapped_column(String(100), default="")
    payee_bank: Mapped[str] = mapped_column(String(100), default="")
    payee_account: Mapped[str] = mapped_column(String(64), default="")
    payment_instructions: Mapped[str] = mapped_column(Text, default="")

    buildings: Mapped[list["Building"]] = relationship(back_populates="community")

    @classmethod
    def in_communities(cls, ids):
        return cls.id.in_(ids)

    @property
    def scope_community_id(self):
        return self.id

    def __str__(self):
        return f"{self.code} {self.name}"


class Building(InCommunity, Model):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")

    community: Mapped[Community] = relationship(back_populates="buildings")
    units: Mapped[list["Unit"]] = relationship(back_populates="building")

    def __str__(self):
        return f"{self.community.code if self.community else ''} {self.name or self.code}".strip()


class Unit(Model):
    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("building_id", "code"),
        CheckConstraint("area > 0", name="ck_unit_area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    property_type: Mapped[str] = mapped_column(String(16), default=PropertyType.RESIDENTIAL)
    area: Mapped[Decimal] = mapped_column(AREA)
    status: Mapped[str] = mapped_column(String(16), default=UnitStatus.OCCUPIED)

    building: Mapped[Building] = relationship(back_populates="units")
    ownerships: Mapped[list["Ownership"]] = relationship(  # noqa: F821
        back_populates="unit", order_by="Ownership.start_date"
    )

    @property
    def payment_code(self) -> str:
        """The household's payment code (一户一码, app/domain/payment_codes.py): its id, so
        never stored, never changed."""
        return payment_code(self.id) if self.id else ""

    @classmethod
    def in_communities(cls, ids):
        return cls.building.has(Building.community_id.in_(ids))

    @property
    def scope_community_id(self):
        return self.building.scope_community_id if self.building else None

    def __str__(self):
        return self.code
