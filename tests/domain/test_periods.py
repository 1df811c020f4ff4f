"""Billing periods and cycles."""

from datetime import date

import pytest

from app.domain.periods import cycle_starts, due_date, parse_month, period_end


@pytest.mark.parametrize(
    ("valid_from", "cycle", "period", "starts"),
    [
        (date(2026, 1, 1), 1, date(2026, 5, 1), True),
        (date(2026, 1, 1), 3, date(2026, 4, 1), True),
        (date(2026, 1, 1), 3, date(2026, 5, 1), False),
        (date(2026, 1, 15), 3, date(2026, 1, 1), True),  # valid mid-month: counts from January
        (date(2026, 2, 1), 12, date(2027, 2, 1), True),
        (date(2026, 2, 1), 1, date(2026, 1, 1), False),  # before the tariff
    ],
)
def test_cycle_starts(valid_from, cycle, period, starts):
    assert cycle_starts(valid_from, cycle, period) is starts


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 1), 1, date(2026, 1, 31)),
        (date(2026, 2, 1), 1, date(2026, 2, 28)),
        (date(2028, 2, 1), 1, date(2028, 2, 29)),
        (date(2026, 11, 1), 3, date(2027, 1, 31)),
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
    ],
)
def test_period_end(start, months, end):
    assert period_end(start, months) == end


def test_due_date_is_period_start_plus_due_days():
    assert due_date(date(2026, 2, 1), 30) == date(2026, 3, 3)
    assert due_date(date(2026, 2, 1), 0) == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-03", date(2026, 3, 1)),
        (" 2026-12 ", date(2026, 12, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-3", None),
        ("2026-03-01", None),
        ("2026-03\n", date(2026, 3, 1)),
        ("２０２６-03", None),
        ("0000-01", None),
        ("", None),
        (None, None),
        (202603, None),
    ],
)
def test_parse_month(text, month):
    assert parse_month(text) == month
