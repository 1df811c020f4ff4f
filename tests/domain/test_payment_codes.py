"""Payment codes (app/domain/payment_codes.py): one per unit, stable, typos caught."""

from hypothesis import given
from hypothesis import strategies as st

from app.domain.payment_codes import LAST_ID, codes_in, payment_code, unit_of_code

UNIT_IDS = st.integers(min_value=1, max_value=LAST_ID)


def test_a_code_is_eight_digits_ending_in_its_check_digit():
    assert payment_code(1) == "10000016"
    assert payment_code(12345) == "10123453"
    assert unit_of_code("10123453") == 12345


@given(UNIT_IDS)
def test_every_unit_has_a_code_that_names_it_and_no_other(unit_id):
    code = payment_code(unit_id)
    assert len(code) == 8 and code.isdigit()
    assert unit_of_code(code) == unit_id


@given(UNIT_IDS, st.integers(0, 7), st.integers(1, 9))
def test_one_mistyped_digit_names_no_unit(unit_id, position, shift):
    code = payment_code(unit_id)
    digit = str((int(code[position]) + shift) % 10)
    assert unit_of_code(code[:position] + digit + code[position + 1 :]) is None


@given(UNIT_IDS, st.integers(0, 6))
def test_two_swapped_neighbours_name_no_unit_unless_the_same_or_09(unit_id, position):
    code = payment_code(unit_id)
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    if a != b and {a, b} != {"0", "9"}:  # Luhn's one blind spot: 09 ↔ 90
        assert unit_of_code(swapped) is None


def test_codes_are_read_from_a_remark_alone_and_in_full_width():
    code = payment_code(7)
    assert codes_in(f"缴费码 {code} 张三") == [7]
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert codes_in(f"缴费码：{full_width}") == [7]
    assert codes_in(f"13{code}1") == []  # inside a longer number: an account, a phone
    assert codes_in("10000017 12345678") == []  # wrong check digits
    assert codes_in(f"{code} {code}") == [7]


def test_no_code_outside_the_range():
    for bad in (0, -1, LAST_ID + 1):
        try:
            payment_code(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert unit_of_code("1000000" + "0") is None or unit_of_code("10000000") is None
