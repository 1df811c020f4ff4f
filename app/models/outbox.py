"""The outbox: every message to an owner (e-mail, SMS, paper letter), with what became of it.

A message is a record, never edited by hand: the delivery service moves it from ``queued`` to
``sent``, ``recorded`` (an SMS gateway that only records), ``failed`` (refused for good, with
the reason) or ``skipped`` (not sent on purpose, e.g. consent withdrawn); a letter starts as
``to_print`` and becomes ``sent`` once posted. ``recipient`` is the e-mail address or phone
number used (personal data, masked for most roles). Instants are UTC.
"""

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .owner import Owner
from .property import Community, Unit
from .scoping import InCommunity
from .types import LabelledEnum, UTCDateTime


class OutboxStatus(LabelledEnum):
    QUEUED = "queued"
    SENT = "sent"
    RECORDED = "recorded"
    FAILED = "failed"
    SKIPPED = "skipped"
    TO_PRINT = "to_print"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.QUEUED: _l("Queued"),
            cls.SENT: _l("Sent"),
            cls.RECORDED: _l("Recorded only"),
            cls.FAILED: _l("Failed"),
            cls.SKIPPED: _l("Skipped"),
            cls.TO_PRINT: _l("To print"),
        }


class MessageKind(LabelledEnum):
    NOTICE = "notice"
    RECEIPT = "receipt"
    REMINDER = "reminder"
    LETTER = "letter"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.NOTICE: _l("Payment notice"),
            cls.RECEIPT: _l("Receipt"),
            cls.REMINDER: _l("Reminder"),
            cls.LETTER: _l("Dunning letter"),
            cls.OTHER: _l("Other"),
        }


class OutboxMessage(InCommunity, Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'letter')", name="ck_outbox_channel"),
        CheckConstraint(
            "status IN ('queued', 'sent', 'recorded', 'failed', 'skipped', 'to_print')",
            name="ck_outbox_status",
        ),
        CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recipient: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment: Mapped[str | None] = mapped_column(String(300))  # under WUYE_FILES_DIR
    related: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. "bill:42"
    channel_reasons: Mapped[str] = mapped_column(String(200), default="")  # why this channel
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    reference: Mapped[str | None] = mapped_column(String(200))  # Message-ID, gateway id
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # SMS held in quiet hours
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community | None] = relationship()
    owner: Mapped[Owner] = relationship()
    unit: Mapped[Unit | None] = relationship()

    def __str__(self):
        return f"#{self.id} {self.subject}"
