"""Format checks of master data."""

from decimal import Decimal

import pytest

from app.domain import checks


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("110105194912310021", False),
        ("1101051949123100", False),
        ("abcdefghijklmnopqr", False),
    ],
)
def test_resident_id_checksum(value, ok):
    assert checks.is_resident_id(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("3-2-101", True), ("A-1", True), ("-1", False), ("3 2 101", False), ("", False)],
)
def test_unit_code(value, ok):
    assert checks.is_unit_code(value) is ok


@pytest.mark.parametrize(("value", "places"), [("1", 0), ("1.50", 1), ("1.505", 3), ("100", 0)])
def test_decimal_places(value, places):
    assert checks.decimal_places(Decimal(value)) == places


def test_phone_and_email():
    assert checks.is_phone("13812345678") and checks.is_phone("+86 138-1234-5678")
    assert not checks.is_phone("call me")
    assert checks.is_email("a@b.cn") and not checks.is_email("a@b")
