"""Sane windows for the dates and amounts people type (docs/input.md): pure rules, "today" given.

- A payment is dated no later than tomorrow (a cashier a few hours ahead of the server's zone)
  and no earlier than the community's first tariff: money before the company charged anything
  is a typing error.
- A billing run bills at most ``months_ahead`` months past today's month (a setting, default 3).
- A complaint or other case is received no later than now and no earlier than a year ago.
- Any day typed anywhere (a report's "as of", a due date, a billing period) lies in the years
  2000 to 2099: outside them it is a typing error, and the month arithmetic of the reports
  would leave the calendar (year 1, year 9999).
- An amount is written in plain digits with an optional point and up to two decimals; full-width
  digits (``１２．５０``) are read as the same digits; exponents (``1e-2``), separators and signs
  other than a leading minus are not amounts.
"""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

CASE_DAYS_BACK = 366
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)
PLAIN_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def in_business_years(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def latest_payment_day(today: date) -> date:
    return today + timedelta(days=1)


def latest_billing_period(today: date, months_ahead: int) -> date:
    return today.replace(day=1) + relativedelta(months=months_ahead)


def earliest_case_day(today: date) -> date:
    return today - timedelta(days=CASE_DAYS_BACK)


def read_amount(value) -> Decimal | None:
    """``value`` (text, a number) as a Decimal, or None if it is not written as an amount. A
    float (a JSON number) is read as the shortest text that gives it back (``12.5``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | Decimal):
        return Decimal(value) if Decimal(value).is_finite() else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    return Decimal(text) if PLAIN_AMOUNT.fullmatch(text) else None


def read_instant(value, zone: ZoneInfo) -> datetime | None:
    """An instant from a datetime or ISO text; a plain day (``2026-01-10``) is its midnight and a
    time without an offset is read in ``zone``. None if ``value`` is not a date or time."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                datetime.combine(date.fromisoformat(text), time())
                if len(text) == 10
                else datetime.fromisoformat(text)
            )
        except ValueError:
            return None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        return None
    value = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    try:
        value.astimezone(UTC).astimezone(zone)  # years 1 and 9999 may not convert
    except OverflowError:
        return None
    return value
