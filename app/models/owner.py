"""Owners and residents (业主/住户) and who pays for which unit when (ownership history).

An owner record belongs to one community's files; an owner entered by a user who sees every
community may stay unattached until the first ownership attaches it. A unit has at most one
paying owner on any day: ownership periods ``[start_date, end_date]`` of one unit never overlap
(``end_date`` empty means "still current"). Phone and ID number are personal data, masked for
most roles.
"""

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .property import Community, Unit
from .scoping import InCommunity
from .types import Channel, CustomerType


class Owner(InCommunity, Model):
    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    id_number: Mapped[str] = mapped_column(String(32), default="")
    customer_type: Mapped[str] = mapped_column(String(16), default=CustomerType.OWNER)
    preferred_channel: Mapped[str] = mapped_column(String(16), default=Channel.SMS)
    e_notice_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    community: Mapped[Community | None] = relationship()
    ownerships: Mapped[list["Ownership"]] = relationship(back_populates="owner")

    PERSONAL_FIELDS = ("phone", "email", "id_number")

    def __str__(self):
        return self.name


class Ownership(Model):
    __tablename__ = "ownership"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ck_ownership_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    unit: Mapped[Unit] = relationship(back_populates="ownerships")
    owner: Mapped[Owner] = relationship(back_populates="ownerships")

    @classmethod
    def in_communities(cls, ids):
        return cls.unit.has(Unit.in_communities(ids))

    @property
    def scope_community_id(self):
        return self.unit.scope_community_id if self.unit else None

    def __str__(self):
        return f"{self.unit} · {self.owner}"
