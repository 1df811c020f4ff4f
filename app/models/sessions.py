"""Signed-in browser sessions (docs/security.md): a session cookie is honoured only while its row
lives; signing out deletes the row, so a copied cookie stops working at logout."""

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .types import UTCDateTime


class UserSession(Model):
    __tablename__ = "user_session"

    # SHA-256 of the random id the cookie carries: the table never holds a usable session.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __str__(self):
        return f"session of user {self.user_id}"
