"""The payment code of a household (一户一码, docs/domain.md §4): 8 digits that name one unit
in the whole company, printed on its notices and asked for in a transfer's remark.

The code is the unit's number (its id plus ``OFFSET``, 7 digits) and a Luhn check digit, so it
never changes, is never reused, and a mistyped digit or two swapped neighbours make a code no
unit has rather than another unit's.
"""

import re
import unicodedata

#: Added to a unit's id: every code has 7 digits before its check digit (units 1 … 8,999,999).
OFFSET = 1_000_000
LAST_ID = 9_999_999 - OFFSET
#: 8 digits standing alone in a remark (not part of a longer number such as an account).
_CODE = re.compile(r"(?<!\d)\d{8}(?!\d)")


def check_digit(body: str) -> str:
    """The Luhn check digit of the digits ``body``."""
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def payment_code(unit_id: int) -> str:
    """The payment code of unit ``unit_id``."""
    if not 0 < unit_id <= LAST_ID:
        raise ValueError(f"no payment code for unit {unit_id}")
    body = str(unit_id + OFFSET)
    return body + check_digit(body)


def unit_of_code(code: str) -> int | None:
    """The unit id a payment code names, or None when ``code`` is no valid code."""
    if not (len(code) == 8 and code.isascii() and code.isdigit()):
        return None
    body, check = code[:7], code[7]
    if check_digit(body) != check or int(body) <= OFFSET:
        return None
    return int(body) - OFFSET


def codes_in(remark: str) -> list[int]:
    """The units named by valid payment codes in ``remark`` (full-width digits read too), in
    order, each once."""
    text = unicodedata.normalize("NFKC", remark or "")
    units = (unit_of_code(code) for code in _CODE.findall(text))
    return list(dict.fromkeys(unit for unit in units if unit is not None))
