"""Which staff member works for which community.

Staff other than Admin and Auditor see only the communities listed here for them.
"""

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .property import Community
from .scoping import InCommunity


class StaffAssignment(InCommunity, Model):
    __tablename__ = "staff_assignment"
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)

    user: Mapped[User] = relationship()
    community: Mapped[Community] = relationship()

    def __str__(self):
        return f"{self.user} → {self.community}"
