"""Overdue accounts, aging and the early-warning list, with exact figures."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from app.models import Setting
from app.services.arrears import (
    ArrearsQuery,
    aging_summary,
    early_warning,
    find_overdue_accounts,
    parse_query,
)
from app.services.billing import run_billing
from app.services.errors import DomainError, NotFoundError
from app.services.payments import record_payment

MARCH_31 = date(2026, 3, 31)


@pytest.fixture
def billed(session):
    """Jan (due 31 Jan), Feb (due 3 Mar) and Mar (due 31 Mar) bills for the four units;
    unit 2 (A 1-1-102) paid its January bill in time."""
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1))
    record_payment(session, 2, "206.25", "cash", paid_at=datetime(2026, 1, 20, 2, tzinfo=UTC))
    session.flush()


def test_overdue_accounts_oldest_debt_first(session, billed):
    accounts = find_overdue_accounts(session, MARCH_31)
    assert [
        (a.community, a.unit, a.owner, a.overdue, a.bills, a.oldest_due, a.days_overdue, a.bucket)
        for a in accounts
    ] == [
        ("A", "1-1-101", "A业主甲", D("407.50"), 2, date(2026, 1, 31), 59, "31-90"),
        ("B", "1-1-101", "B业主甲", D("407.50"), 2, date(2026, 1, 31), 59, "31-90"),
        ("B", "1-1-102", "B业主乙", D("412.50"), 2, date(2026, 1, 31), 59, "31-90"),
        ("A", "1-1-102", "A业主乙", D("206.25"), 1, date(2026, 3, 3), 28, "1-30"),
    ]


def test_a_bill_due_today_is_not_overdue(session, billed):
    assert find_overdue_accounts(session, date(2026, 1, 31)) == []
    assert len(find_overdue_accounts(session, date(2026, 2, 1))) == 3  # unit 2 paid January


@pytest.mark.parametrize(
    ("filters", "units"),
    [
        ({"bucket": "1-30"}, [("A", "1-1-102")]),
        ({"bucket": "31-90"}, [("A", "1-1-101"), ("B", "1-1-101"), ("B", "1-1-102")]),
        ({"bucket": "365+"}, []),
        ({"min_amount": D("410")}, [("B", "1-1-102")]),
        ({"community_ids": {1}}, [("A", "1-1-101"), ("A", "1-1-102")]),
        ({"community_ids": set()}, []),
    ],
)
def test_filters(session, billed, filters, units):
    accounts = find_overdue_accounts(session, MARCH_31, **filters)
    assert [(a.community, a.unit) for a in accounts] == units


def test_aging_summary_per_community(session, billed):
    a, b = aging_summary(session, MARCH_31)
    assert (a.community, a.units, a.amount) == ("A", 2, D("613.75"))
    assert a.buckets == {
        "1-30": (2, D("410.00")),
        "31-90": (1, D("203.75")),
        "91-180": (0, D("0.00")),
        "181-365": (0, D("0.00")),
        "365+": (0, D("0.00")),
    }
    assert (b.community, b.units, b.amount) == ("B", 2, D("820.00"))
    assert b.buckets["1-30"] == b.buckets["31-90"] == (2, D("410.00"))
    assert aging_summary(session, MARCH_31, {2}) == [b]


def test_old_debt_moves_bucket_with_time(session, billed):
    a, _ = aging_summary(session, date(2027, 2, 1))  # January's bill was due 366 days before
    assert a.buckets["365+"] == (1, D("203.75"))
    assert a.buckets["181-365"] == (2, D("820.00"))


def test_early_warning_lists_bills_falling_due_and_overdue(session, billed):
    lines = early_warning(session, date(2026, 3, 25), {1})
    assert [(w.number, w.due_date, w.balance, w.days) for w in lines] == [
        ("A-202601-1", date(2026, 1, 31), D("203.75"), 53),
        ("A-202602-5", date(2026, 3, 3), D("203.75"), 22),
        ("A-202602-6", date(2026, 3, 3), D("206.25"), 22),
        ("A-202603-9", date(2026, 3, 31), D("203.75"), -6),
        ("A-202603-10", date(2026, 3, 31), D("206.25"), -6),
    ]


def test_the_warning_horizon_is_a_setting(session, billed):
    session.add(Setting(key="warn_days", value="5"))
    session.flush()
    assert [w.days for w in early_warning(session, date(2026, 3, 25), {1})] == [53, 22, 22]


def test_a_query_string_is_checked_field_by_field():
    with pytest.raises(DomainError) as caught:
        parse_query(
            {"as_of": "31/03/2026", "community_id": "x", "bucket": "1-7", "min_amount": "1.234"},
            None,
        )
    assert set(caught.value.messages) == {"as_of", "community_id", "bucket", "min_amount"}


def test_a_query_names_only_visible_communities():
    query = parse_query({"as_of": "2026-03-31", "bucket": "1-30", "min_amount": "10"}, {1})
    assert query == ArrearsQuery(MARCH_31, {1}, "1-30", D("10.00"))
    assert parse_query({"community_id": "1"}, None).community_ids == {1}
    with pytest.raises(NotFoundError):
        parse_query({"community_id": "2"}, {1})
