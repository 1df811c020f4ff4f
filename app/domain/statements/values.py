"""Cell values: amounts to the fen and China-time dates (the rules in docs/statement-formats.md).

An amount is never a float: text in, ``Decimal`` with exactly 2 places out, and a third non-zero
decimal is refused rather than rounded.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from ..money import FEN, to_fen
from .core import (
    BAD_DATE,
    BAD_TIME,
    CHINA,
    MAX_AMOUNT,
    NOT_A_NUMBER,
    REQUIRED,
    TOO_LARGE,
    TOO_MANY_DECIMALS,
    Cell,
    Invalid,
    text_of,
)

_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)\s*[¥￥]?\s*"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)\s*元?$"
)


def parse_amount(cell: Cell) -> Decimal:
    """A signed amount with at most 2 (non-zero) decimals, as ``Decimal`` with exactly 2.

    Accepts thousands separators (``1,234.50``), a currency sign and a trailing ``元``;
    ``12.340`` is 12.34 but ``12.345`` is refused, as is an empty cell.
    """
    text = text_of(cell)
    if not text:
        raise Invalid(REQUIRED)
    match = _NUMBER.match(text)
    if not match:
        raise Invalid(NOT_A_NUMBER)
    try:
        value = Decimal(match["digits"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise Invalid(NOT_A_NUMBER) from None
    if value != value.quantize(FEN):
        raise Invalid(TOO_MANY_DECIMALS)
    if value >= MAX_AMOUNT:
        raise Invalid(TOO_LARGE)
    value = to_fen(value)  # exact here: the check above refused anything finer
    return -value if match["sign"] == "-" else value


def amount_or_zero(cell: Cell) -> Decimal:
    """Like ``parse_amount``, but an empty cell is zero."""
    return parse_amount(cell) if text_of(cell) else Decimal("0.00")


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
)


def in_china(moment: datetime) -> datetime:
    """Statement times are China time: a naive time is read as such, an aware one converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=CHINA)
    return moment.astimezone(CHINA)


def parse_paid_at(cell: Cell, date_format: str | None = None) -> datetime:
    """A date or date-time (``date_format`` first, then the usual year-first forms)."""
    if isinstance(cell, datetime):
        return in_china(cell)
    if isinstance(cell, date):
        return datetime.combine(cell, time(), CHINA)
    text = " ".join(text_of(cell).replace("：", ":").split())
    if not text:
        raise Invalid(REQUIRED)
    for fmt in ((date_format,) if date_format else ()) + _DATE_FORMATS:
        try:
            return in_china(datetime.strptime(text, fmt))
        except ValueError:
            continue
    try:
        return in_china(datetime.fromisoformat(text))
    except ValueError:
        raise Invalid(BAD_DATE) from None


def parse_time(cell: Cell) -> time:
    if isinstance(cell, datetime):
        return cell.time()
    if isinstance(cell, time):
        return cell
    text = text_of(cell).replace("：", ":")
    for fmt in ("%H:%M:%S", "%H%M%S", "%H:%M"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise Invalid(BAD_TIME)
