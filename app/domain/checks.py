"""Format checks for master data: codes, phones, e-mail, resident ID numbers, decimals.

Each returns a bool; the services turn a False into a field message.
"""

import re
from decimal import Decimal

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_code(value: str | None) -> bool:
    return bool(value and CODE.match(value))


def is_unit_code(value: str | None) -> bool:
    return bool(value and UNIT_CODE.match(value))


def is_phone(value: str) -> bool:
    return bool(PHONE.match(value))


def is_email(value: str) -> bool:
    return bool(EMAIL.match(value))


def id_check_char(body: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def is_resident_id(value: str) -> bool:
    """An 18-character PRC resident ID number with a valid GB 11643 check character."""
    value = value.upper()
    return bool(re.fullmatch(r"\d{17}[\dX]", value)) and id_check_char(value[:17]) == value[17]


def decimal_places(value: Decimal) -> int:
    """Number of decimal places actually used (``Decimal("1.50")`` has 1)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
