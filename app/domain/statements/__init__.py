"""Statement import, the parsing half (docs/domain.md §4): a file's bytes in, ``StatementRow``s out.

Layouts: ``generic`` CSV, the ``wechat`` trade bill, the ``alipay`` business detail bill, and
``bank`` statements through a ``BankMapping``. ``parse_statement`` detects the layout when no
format is given. Every problem of the file is collected and raised together as one
``StatementError``; nothing is returned from a file with any problem. See
docs/statement-formats.md.
"""

from collections.abc import Sequence

from . import alipay, bank, generic, wechat
from .bank import BANK_MAPPINGS, CCB, ICBC, BankMapping
from .core import (
    CHINA,
    EMPTY_FILE,
    MESSAGES,
    METHODS,
    NO_MAPPING,
    PAYMENT,
    REFUND,
    UNKNOWN_FORMAT,
    UNKNOWN_LAYOUT,
    UNREADABLE_TEXT,
    Grid,
    Problem,
    StatementError,
    StatementRow,
    is_blank,
)
from .reading import decode, is_spreadsheet, load_grid

__all__ = [
    "BANK_MAPPINGS",
    "CCB",
    "CHINA",
    "ICBC",
    "LAYOUTS",
    "MESSAGES",
    "METHODS",
    "PAYMENT",
    "REFUND",
    "BankMapping",
    "Problem",
    "StatementError",
    "StatementRow",
    "detect_format",
    "parse_alipay",
    "parse_bank",
    "parse_generic",
    "parse_statement",
    "parse_wechat",
]

LAYOUTS = ("generic", "wechat", "alipay", "bank")


def _grid(data: bytes) -> Grid:
    grid = load_grid(data)
    if all(is_blank(cells) for _, cells in grid):
        raise StatementError([Problem(0, "", EMPTY_FILE)])
    return grid


def _text(data: bytes) -> str:
    text = decode(data)
    if not text.strip():
        raise StatementError([Problem(0, "", EMPTY_FILE)])
    return text


def parse_generic(data: bytes) -> list[StatementRow]:
    return generic.parse(_grid(data))


def parse_wechat(data: bytes) -> list[StatementRow]:
    if is_spreadsheet(data):  # the bill is text; a spreadsheet of it is not what WeChat sends
        raise StatementError([Problem(0, "", UNREADABLE_TEXT)])
    return wechat.parse(_text(data))


def parse_alipay(data: bytes) -> list[StatementRow]:
    return alipay.parse(_grid(data))


def parse_bank(data: bytes, mapping: BankMapping) -> list[StatementRow]:
    return bank.parse(_grid(data), mapping)


def detect_format(data: bytes, mappings: Sequence[BankMapping] = BANK_MAPPINGS) -> str:
    """The layout of ``data``: ``generic``, ``wechat``, ``alipay``, or the name of the first of
    ``mappings`` whose headers the file has. Raises ``StatementError`` when none fits."""
    if not is_spreadsheet(data) and wechat.matches(_text(data)):
        return "wechat"
    grid = _grid(data)
    if alipay.matches(grid):
        return "alipay"
    if generic.matches(grid):
        return "generic"
    for mapping in mappings:
        if bank.matches(grid, mapping):
            return mapping.name
    raise StatementError([Problem(0, "", UNKNOWN_LAYOUT)])


def parse_statement(
    data: bytes,
    format: str | BankMapping | None = None,
    *,
    mappings: Sequence[BankMapping] = BANK_MAPPINGS,
) -> list[StatementRow]:
    """The rows of a statement file, in file order.

    :param format: a layout (``generic``, ``wechat``, ``alipay``; ``bank`` for the first of
        ``mappings`` that fits), the name of one of ``mappings``, a ``BankMapping``, or None to
        detect it
    :param mappings: the saved bank mappings to choose from
    :raises StatementError: with every problem of the file
    """
    if isinstance(format, BankMapping):
        return parse_bank(data, format)
    if format is None:
        format = detect_format(data, mappings)
    by_name = {m.name: m for m in mappings}
    if format == "generic":
        return parse_generic(data)
    if format == "wechat":
        return parse_wechat(data)
    if format == "alipay":
        return parse_alipay(data)
    if format == "bank":
        grid = _grid(data)
        for mapping in mappings:
            if bank.matches(grid, mapping):
                return bank.parse(grid, mapping)
        raise StatementError([Problem(0, "", NO_MAPPING)])
    if format in by_name:
        return parse_bank(data, by_name[format])
    raise StatementError([Problem(0, "", UNKNOWN_FORMAT)])
