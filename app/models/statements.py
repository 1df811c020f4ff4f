"""Imported bank and payment-platform statements (docs/domain.md §4).

Each statement row is kept once, keyed by method and reference, so importing the same file
again creates nothing new. A row matched to a unit becomes a payment; an unmatched one waits in
the queue until a cashier assigns it. A payer account seen on an assigned row is remembered, so
that account's later transfers match by themselves.
"""

from datetime import datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.rates import rate

from .payments import Payment
from .property import Community, Unit
from .scoping import InCommunity
from .types import MONEY, UTCDateTime


class StatementImport(Model):
    """One upload of a statement file and what came of it."""

    __tablename__ = "statement_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(default=0)
    matched: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    refunds: Mapped[int] = mapped_column(default=0)

    @property
    def match_rate(self) -> Decimal | None:
        """The share of its payment rows booked automatically (app/domain/rates.py)."""
        return rate(self.matched, self.matched + self.unmatched)

    def __str__(self):
        return f"{self.filename} ({self.imported_at:%Y-%m-%d %H:%M})"


class StatementEntry(InCommunity, Model):
    """One money movement of a statement, unique per method and reference."""

    __tablename__ = "statement_entry"
    __table_args__ = (UniqueConstraint("method", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("statement_import.id"), index=True)
    row: Mapped[int]
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # payment, refund
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    payer_name: Mapped[str] = mapped_column(String(100), default="")
    payer_account: Mapped[str] = mapped_column(String(100), default="", index=True)
    remark: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # matched, unmatched, refund
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))

    statement: Mapped[StatementImport] = relationship()
    community: Mapped[Community | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    payment: Mapped[Payment | None] = relationship()

    PERSONAL_FIELDS = ("payer_account",)  # masked for roles without the personal-data right

    def __str__(self):
        return f"{self.method} {self.reference} ¥{self.amount}"


class PayerAccount(InCommunity, Model):
    """A payer's bank or platform account known to pay for one unit."""

    __tablename__ = "payer_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(100), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    unit: Mapped[Unit] = relationship()


class BankMappingRecord(Model):
    """A bank's statement columns, saved by an administrator (see app.domain.statements)."""

    __tablename__ = "bank_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    columns: Mapped[dict] = mapped_column(JSON)
    header_row: Mapped[int | None]
    date_format: Mapped[str | None] = mapped_column(String(32))

    def __str__(self):
        return self.name
