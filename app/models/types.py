"""Column types and enumerations shared by the models.

Money is ``Numeric(14, 2)``; unit prices carry 4 places; areas 2. Instants are stored as UTC and
always come back timezone-aware, whatever the database.
"""

from datetime import UTC, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Numeric
from sqlalchemy.types import TypeDecorator

MONEY = Numeric(14, 2)
PRICE = Numeric(14, 4)
AREA = Numeric(12, 2)
RATE = Numeric(10, 6)


class UTCDateTime(TypeDecorator):
    """A UTC instant: naive datetimes are refused, values are returned aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def one_of(column: str, enum, nullable: bool = False) -> str:
    """A CHECK constraint's SQL: ``column`` holds one of the enum's values (or NULL)."""
    values = f"{column} IN ({', '.join(repr(m.value) for m in enum)})"
    return f"{column} IS NULL OR {values}" if nullable else values


class LabelledEnum(StrEnum):
    """A string enum whose members carry a translatable label (``LABELS`` on the class)."""

    @property
    def label(self):
        return self.LABELS()[self]

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]

    @classmethod
    def LABELS(cls) -> dict:  # noqa: N802 - overridden per enum
        raise NotImplementedError


class PropertyType(LabelledEnum):
    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    PARKING = "parking"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.RESIDENTIAL: _l("Residential"),
            cls.COMMERCIAL: _l("Commercial"),
            cls.PARKING: _l("Parking space"),
            cls.OTHER: _l("Other"),
        }


class UnitStatus(LabelledEnum):
    VACANT = "vacant"
    OCCUPIED = "occupied"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.VACANT: _l("Vacant"), cls.OCCUPIED: _l("Occupied")}


class CustomerType(LabelledEnum):
    OWNER = "owner"
    TENANT = "tenant"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.OWNER: _l("Owner"), cls.TENANT: _l("Tenant")}


class Channel(LabelledEnum):
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    APP = "app"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.SMS: _l("SMS"),
            cls.PHONE: _l("Phone"),
            cls.EMAIL: _l("Email"),
            cls.LETTER: _l("Letter"),
            cls.APP: _l("App"),
        }


class FeeKind(LabelledEnum):
    PROPERTY = "property"
    PARKING = "parking"
    UTILITY = "utility"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.PROPERTY: _l("Property service fee"),
            cls.PARKING: _l("Parking fee"),
            cls.UTILITY: _l("Shared utilities"),
            cls.OTHER: _l("Other"),
        }


class Basis(LabelledEnum):
    AREA = "area"
    FIXED = "fixed"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.AREA: _l("Per m² per month"), cls.FIXED: _l("Fixed per month")}


class BillKind(LabelledEnum):
    """A bill of a billing run, or an opening balance brought in when the company moved in."""

    REGULAR = "regular"
    OPENING = "opening"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.REGULAR: _l("Billing run"), cls.OPENING: _l("Opening balance")}


class BillStatus(LabelledEnum):
    OPEN = "open"
    PARTIAL = "partial"
    PAID = "paid"
    WAIVED = "waived"
    CANCELLED = "cancelled"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.OPEN: _l("Open"),
            cls.PARTIAL: _l("Partly paid"),
            cls.PAID: _l("Paid"),
            cls.WAIVED: _l("Waived"),
            cls.CANCELLED: _l("Cancelled"),
        }


class PaymentMethod(LabelledEnum):
    BANK_TRANSFER = "bank_transfer"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    CASH = "cash"
    CARD = "card"
    AUTO_DEBIT = "auto_debit"
    OTHER = "other"
    OPENING = "opening"  # prepaid money carried over when moving in: no till, no receipt

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.BANK_TRANSFER: _l("Bank transfer"),
            cls.WECHAT: _l("WeChat Pay"),
            cls.ALIPAY: _l("Alipay"),
            cls.CASH: _l("Cash"),
            cls.CARD: _l("Card"),
            cls.AUTO_DEBIT: _l("Auto-debit"),
            cls.OTHER: _l("Other"),
            cls.OPENING: _l("Carried over (prepaid)"),
        }

    @classmethod
    def taken(cls) -> tuple[str, ...]:
        """The methods money is taken by (a cashier, an API client, a statement): all but
        the balance carried over when moving in."""
        return tuple(m.value for m in cls if m is not cls.OPENING)


class WaiverReason(LabelledEnum):
    HARDSHIP = "hardship"
    SERVICE_FAILURE = "service_failure"
    CAMPAIGN = "campaign"
    OTHER = "other"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.HARDSHIP: _l("Financial hardship"),
            cls.SERVICE_FAILURE: _l("Service failure"),
            cls.CAMPAIGN: _l("Campaign"),
            cls.OTHER: _l("Other"),
        }


CYCLE_MONTHS = (1, 3, 6, 12)
