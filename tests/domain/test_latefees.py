"""Late fees with exact figures (docs/domain.md §5)."""

from datetime import date
from decimal import Decimal as D

import pytest

from app.domain.latefees import LateFeeTerms, late_fee

DUE = date(2026, 1, 31)
TERMS = LateFeeTerms(daily_rate=D("0.0005"), grace_days=0, cap_ratio=D("1.0"))


@pytest.mark.parametrize(
    ("as_of", "fee"),
    [
        (date(2026, 1, 31), D("0.00")),  # due today: not overdue
        (date(2026, 2, 1), D("0.50")),  # 1 day × 1000 × 0.05 %
        (date(2026, 3, 2), D("15.00")),  # 30 days
        (date(2026, 12, 31), D("167.00")),  # 334 days
    ],
)
def test_simple_daily_interest(as_of, fee):
    assert late_fee(D("1000.00"), DUE, as_of, TERMS) == fee


def test_grace_days_delay_the_first_day():
    terms = LateFeeTerms(grace_days=10)
    assert late_fee(D("1000"), DUE, date(2026, 2, 10), terms) == D("0.00")
    assert late_fee(D("1000"), DUE, date(2026, 2, 11), terms) == D("0.50")


def test_the_cap_limits_the_fee_to_a_share_of_the_principal():
    terms = LateFeeTerms(daily_rate=D("0.01"), cap_ratio=D("0.2"))
    assert late_fee(D("500.00"), DUE, date(2026, 12, 31), terms) == D("100.00")


def test_partial_payments_lower_the_balance_from_the_next_day():
    # 1000 owed; 600 paid on Feb 10 (days Feb 1–10 accrue on 1000), then 400 for Feb 11–20.
    fee = late_fee(D("1000"), DUE, date(2026, 2, 20), TERMS, [(date(2026, 2, 10), D("600"))])
    assert fee == D("5.00") + D("2.00")


def test_a_payment_before_the_due_date_lowers_the_whole_accrual():
    fee = late_fee(D("1000"), DUE, date(2026, 2, 10), TERMS, [(date(2026, 1, 20), D("800"))])
    assert fee == D("1.00")  # 200 × 0.0005 × 10


def test_a_fully_paid_bill_stops_accruing_after_the_payment_day():
    paid = [(date(2026, 2, 5), D("1000"))]
    assert late_fee(D("1000"), DUE, date(2026, 6, 30), TERMS, paid) == D("2.50")


def test_rounding_is_half_up_once_at_the_end():
    # 333.33 × 0.0005 × 3 = 0.499995 -> 0.50
    assert late_fee(D("333.33"), DUE, date(2026, 2, 3), TERMS) == D("0.50")
