"""The audit log: an append-only record of who changed, revealed or exported what.

Rows are written by session events in the same transaction as the change they describe, and
database triggers refuse any UPDATE or DELETE of them.
"""

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .types import UTCDateTime


class AuditLog(Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete, reveal, export
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    row_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict | None] = mapped_column(JSON)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.table_name}"
