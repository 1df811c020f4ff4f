"""Billing periods: which tariff cycles start in a month, and a period's end and due date."""

import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def month_start(day: date) -> date:
    return day.replace(day=1)


def parse_month(text) -> date | None:
    """The first day of the month written ``YYYY-MM`` (``"2026-03"``), or None if ``text`` is
    not such a month."""
    match = MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        return None
    return date(int(match[1]), int(match[2]), 1)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month."""
    return (end.year - start.year) * 12 + end.month - start.month


def cycle_starts(valid_from: date, cycle_months: int, period_start: date) -> bool:
    """Whether a tariff valid from ``valid_from`` bills a new cycle in ``period_start``'s month.

    Cycles are counted from the tariff's first month: a quarterly tariff from January bills in
    January, April, July and October.
    """
    offset = months_between(month_start(valid_from), period_start)
    return offset >= 0 and offset % cycle_months == 0


def period_end(period_start: date, months: int) -> date:
    """The last day of a period of ``months`` months starting on ``period_start``."""
    return period_start + relativedelta(months=months) - timedelta(days=1)


def due_date(period_start: date, due_days: int) -> date:
    """Domain §2: the due date is the period start plus the tariff's due days."""
    return period_start + timedelta(days=due_days)
