"""The billing formula and rounding (docs/domain.md §3)."""

from decimal import Decimal as D

import pytest

from app.domain.money import line_amount, split_evenly, to_fen


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"), ("0.005", "0.01"), ("7", "7.00")],
)
def test_half_up_to_the_fen(value, rounded):
    assert to_fen(D(value)) == D(rounded)


@pytest.mark.parametrize(
    ("basis", "price", "area", "months", "amount"),
    [
        ("area", "2.5000", "88.50", 1, "221.25"),
        ("area", "2.3500", "88.47", 3, "623.71"),  # 623.7135 rounds down
        ("area", "1.8850", "101.00", 1, "190.39"),  # 190.385 rounds half up
        ("fixed", "150.0000", "12.50", 3, "450.00"),
        ("area", "0.0000", "99.00", 12, "0.00"),
    ],
)
def test_line_amount(basis, price, area, months, amount):
    assert line_amount(basis, D(price), D(area), months) == D(amount)


def test_unknown_basis_is_an_error():
    with pytest.raises(ValueError):
        line_amount("per_head", D("1"), D("1"), 1)


@pytest.mark.parametrize(("total", "parts"), [("100.00", 3), ("0.05", 4), ("1234.56", 7)])
def test_split_evenly_sums_exactly(total, parts):
    shares = split_evenly(D(total), parts)
    assert sum(shares) == D(total) and len(shares) == parts
    assert max(shares) - min(shares) <= D("0.01") * parts


@pytest.mark.parametrize(
    ("value", "text"),
    [("1234.5", "1,234.50"), ("0", "0.00"), ("-1234567.125", "-1,234,567.13"), (None, "")],
)
def test_format_money(value, text):
    from app.domain.money import format_money

    assert format_money(None if value is None else D(value)) == text
