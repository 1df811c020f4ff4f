"""Amounts in Chinese capital numerals: the rules' own examples, then properties over any amount."""

import re
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.numerals import amount_in_capitals

DIGITS = "零壹贰叁肆伍陆柒捌玖"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.00", "零元整"),
        ("0", "零元整"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("100000.00", "壹拾万元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("10.00", "壹拾元整"),
        ("1200.00", "壹仟贰佰元整"),
        # the examples of the PBOC rules (where they allow two forms, the second one)
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万零柒仟元伍角叁分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        # sections
        ("10000", "壹万元整"),
        ("105000000", "壹亿零伍佰万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001.10", "壹亿零壹元壹角整"),
        ("1000000000", "壹拾亿元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_examples(amount, words):
    assert amount_in_capitals(D(amount)) == words


@pytest.mark.parametrize("bad", ["-0.01", "-100", "0.001", "1.005", "1000000000000", "NaN", "Inf"])
def test_refused_amounts(bad):
    with pytest.raises(ValueError):
        amount_in_capitals(D(bad))


def test_a_long_value_with_a_third_decimal_far_down_is_refused():
    with pytest.raises(ValueError):
        amount_in_capitals(D("1.000000000000000000000000000001"))


@pytest.mark.parametrize("bad", [1.5, "1.50", None, True])
def test_only_decimals_and_whole_numbers(bad):
    with pytest.raises(TypeError):
        amount_in_capitals(bad)


def read_back(words: str) -> D:
    """An independent reader of capital amounts (place values only, zeros ignored)."""
    total = section = digit = 0
    jiao = fen = 0
    for char in words:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in "拾佰仟":
            section += digit * 10 ** ("拾佰仟".index(char) + 1)
            digit = 0
        elif char == "万":
            total += (section + digit) * 10**4
            section = digit = 0
        elif char == "亿":
            total += (section + digit) * 10**8
            section = digit = 0
        elif char == "元":
            total += section + digit
            section = digit = 0
        elif char == "角":
            jiao, digit = digit, 0
        elif char == "分":
            fen, digit = digit, 0
        else:
            assert char == "整", char
    return D(total) + D(jiao) / 10 + D(fen) / 100


amounts = st.integers(min_value=0, max_value=10**14 - 1).map(lambda fen: D(fen) / 100)
small_amounts = st.integers(min_value=0, max_value=10**7).map(lambda fen: D(fen) / 100)


@given(st.one_of(amounts, small_amounts))
def test_the_words_read_back_as_the_amount(amount):
    assert read_back(amount_in_capitals(amount)) == amount


@given(st.one_of(amounts, small_amounts))
def test_the_shape_of_the_words(amount):
    words = amount_in_capitals(amount)
    whole_yuan = amount == amount.to_integral_value()
    has_fen = (amount * 100) % 10 != 0
    assert words.endswith("整") != has_fen  # 整 after 元 or 角, never after 分
    assert "零零" not in words
    assert amount == 0 or not words.startswith("零")
    assert re.search("零[万亿元角整]", words) is None or words == "零元整"
    assert ("元" in words) == (amount >= 1 or amount == 0)
    assert re.search("(^|[^零壹贰叁肆伍陆柒捌玖])拾", words) is None  # 壹拾, never a bare 拾
    if whole_yuan:
        assert words.endswith("元整")
    jiao_zero_fen_not = amount >= 1 and (amount * 10) % 10 < 1 and has_fen
    assert ("元零" in words) == jiao_zero_fen_not
