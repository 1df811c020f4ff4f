"""Installment schedules and how payments fill them (docs/domain.md §8), without an app."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from app.domain.installments import (
    Instalment,
    Standing,
    fill,
    monthly_schedule,
    schedule_total,
    standing,
)

AGREED = date(2026, 1, 15)
SCHEDULE = [
    Instalment(0, AGREED, D("100.00")),
    Instalment(1, date(2026, 2, 10), D("200.00")),
    Instalment(2, date(2026, 3, 10), D("200.00")),
]


def test_the_last_instalment_takes_the_remainder_and_months_keep_their_day():
    schedule = monthly_schedule(D("1000.00"), D("0.00"), 3, date(2026, 1, 31), AGREED)
    assert [(i.seq, i.due_date, i.amount) for i in schedule] == [
        (1, date(2026, 1, 31), D("333.33")),
        (2, date(2026, 2, 28), D("333.33")),  # no 31 February: the month's last day
        (3, date(2026, 3, 31), D("333.34")),
    ]


def test_the_down_payment_is_instalment_zero_on_the_agreements_date():
    schedule = monthly_schedule(D("500.00"), D("100.00"), 2, date(2026, 2, 10), AGREED)
    assert [(i.seq, i.due_date, i.amount) for i in schedule] == [
        (0, AGREED, D("100.00")),
        (1, date(2026, 2, 10), D("200.00")),
        (2, date(2026, 3, 10), D("200.00")),
    ]


@given(
    total=st.decimals(min_value=D("0.01"), max_value=D("999999.99"), places=2),
    count=st.integers(min_value=1, max_value=60),
)
def test_a_monthly_schedule_sums_to_the_total_exactly(total, count):
    schedule = monthly_schedule(total, D("0.00"), count, date(2026, 5, 1), AGREED)
    assert schedule_total(schedule) == total
    assert len({i.amount for i in schedule[:-1]}) <= 1  # equal but the last


def test_money_fills_the_instalments_in_order():
    assert [i.paid for i in fill(SCHEDULE, D("250.00"))] == [D("100.00"), D("150.00"), D("0")]
    assert [i.outstanding for i in fill(SCHEDULE, D("600.00"))] == [D("0")] * 3


def test_default_comes_the_day_after_the_grace_days():
    paid = D("299.99")  # instalment 1 (10 February) is short of a fen
    assert standing(SCHEDULE, paid, date(2026, 2, 25), 15) == Standing.ON_TRACK  # 15 days late
    assert standing(SCHEDULE, paid, date(2026, 2, 26), 15) == Standing.DEFAULTED  # 16 days
    assert standing(SCHEDULE, D("500.00"), date(2027, 1, 1), 15) == Standing.COMPLETED
