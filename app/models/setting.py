"""Administrator-editable settings with their defaults (docs/domain.md §2, §5–§9 *default* values).

A setting is stored only once an administrator changes it; until then the default applies.
"""

from flask_appbuilder import Model
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class Setting(Model):
    __tablename__ = "setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(String(200))

    def __str__(self):
        return f"{self.key} = {self.value}"
