"""Statement rows, problems, cells, headers and references: what every layout shares (§4).

Invariants: a row's ``amount`` is a positive ``Decimal`` with exactly 2 places and its ``kind``
says which way the money went (a refund reduces, never adds); ``paid_at`` is aware, in China
time; a ``reference`` depends only on the file's content, so parsing the same file again gives
the same references and a re-import finds its rows again. Problems name the row as the file
numbers it (1-based; 0 for the file as a whole) and the column by its header.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
PAYMENT, REFUND = "payment", "refund"
METHODS = ("bank_transfer", "wechat", "alipay", "cash", "card", "auto_debit", "other")
MAX_AMOUNT = Decimal("1e12")  # the MONEY column is Numeric(14, 2)

# Problem messages: short English text, fixed (the variable part is in row and column), so the
# edges can translate them as message ids.
EMPTY_FILE = "empty file"
UNKNOWN_LAYOUT = "unknown layout"
UNKNOWN_FORMAT = "unknown format name"
NO_MAPPING = "no bank mapping matches the header"
UNREADABLE_TEXT = "not UTF-8 or GBK text"
BAD_BYTES = "bytes that are not text (a cut or damaged file)"
UNREADABLE_CSV = "malformed CSV"
UNREADABLE_SHEET = "not a readable spreadsheet"
XLS_UNSUPPORTED = "xls files need the xlrd package"
MISSING_COLUMN = "missing column"
FIELD_COUNT = "wrong number of fields"
SHORT_ROW = "the row ends before this column"
REQUIRED = "required"
NOT_A_NUMBER = "not a number"
TOO_MANY_DECIMALS = "more than 2 decimal places"
TOO_LARGE = "amount too large"
ZERO_AMOUNT = "amount is zero"
NEGATIVE_AMOUNT = "amount is negative"
BOTH_SIDES = "both credit and debit"
BAD_DATE = "not a date"
BAD_TIME = "not a time"
UNKNOWN_METHOD = "unknown payment method"
UNKNOWN_STATUS = "unknown status"
UNKNOWN_TYPE = "unknown business type"
NOT_CNY = "currency is not CNY"
DUPLICATE_REFERENCE = "duplicate reference"
NO_SUMMARY = "summary block missing"
TOTAL_MISMATCH = "does not match the detail rows"
MESSAGES = (
    EMPTY_FILE,
    UNKNOWN_LAYOUT,
    UNKNOWN_FORMAT,
    NO_MAPPING,
    UNREADABLE_TEXT,
    BAD_BYTES,
    UNREADABLE_CSV,
    UNREADABLE_SHEET,
    XLS_UNSUPPORTED,
    MISSING_COLUMN,
    FIELD_COUNT,
    SHORT_ROW,
    REQUIRED,
    NOT_A_NUMBER,
    TOO_MANY_DECIMALS,
    TOO_LARGE,
    ZERO_AMOUNT,
    NEGATIVE_AMOUNT,
    BOTH_SIDES,
    BAD_DATE,
    BAD_TIME,
    UNKNOWN_METHOD,
    UNKNOWN_STATUS,
    UNKNOWN_TYPE,
    NOT_CNY,
    DUPLICATE_REFERENCE,
    NO_SUMMARY,
    TOTAL_MISMATCH,
)


class Problem(NamedTuple):
    row: int  # 1-based as the file numbers it; 0 for the file as a whole
    column: str  # the header as written in the file (or as we expect it, when it is missing)
    message: str  # one of MESSAGES


class StatementError(Exception):
    """The file cannot be imported; ``problems`` lists every one found, in file order."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: p.row)
        shown = "; ".join(f"row {p.row} {p.column}: {p.message}" for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    def __reduce__(self):  # pickles (for a job's result) with its problems, not its text
        return (type(self), (self.problems,))


@dataclass(frozen=True)
class StatementRow:
    row: int
    method: str
    reference: str
    paid_at: datetime
    amount: Decimal  # > 0, 2 places; the kind gives the direction
    kind: str  # PAYMENT or REFUND
    payer_name: str
    payer_account: str
    remark: str
    raw: dict[str, str] = field(default_factory=dict, hash=False)
    refund_of: str = ""  # for a refund, the reference of the payment refunded, when known

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == REFUND else self.amount


class Invalid(ValueError):
    """A cell that cannot be read; ``args[0]`` is one of MESSAGES."""

    @property
    def message(self) -> str:
        return self.args[0]


Cell = str | datetime | date | time
Grid = list[tuple[int, Sequence[Cell]]]  # (row number, cells)


# --- cells and headers ----------------------------------------------------------------------


def is_blank(cells: Sequence[Cell]) -> bool:
    return all(not text_of(c) for c in cells)


def text_of(cell: Cell | None) -> str:
    """A cell as stripped text (tabs and spaces around it go; a WeChat backtick too)."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    value = cell.strip()
    return value[1:].strip() if value.startswith("`") else value


def norm(header: str) -> str:
    """A header for comparison: no whitespace or backtick, ASCII parentheses, lower case."""
    value = "".join(text_of(header).split())
    return value.replace("（", "(").replace("）", ")").lower()


class Header:
    """The header row of a table: where each column is, by its normalized name."""

    def __init__(self, row: int, cells: Sequence[Cell]):
        self.row = row
        self.names = [text_of(c) for c in cells]
        self.width = max((i + 1 for i, name in enumerate(self.names) if name), default=0)
        self.index: dict[str, int] = {}
        for i, name in enumerate(self.names):
            if name:
                self.index.setdefault(norm(name), i)

    def __contains__(self, name: str) -> bool:
        return norm(name) in self.index

    def label(self, name: str) -> str:
        """The column's header as the file writes it (ours when the file lacks it)."""
        i = self.index.get(norm(name))
        return name if i is None else self.names[i]

    def overflows(self, cells: Sequence[Cell]) -> bool:
        """True when the row has values beyond the header's last column (a stray comma)."""
        return any(text_of(c) for c in cells[len(self.names) :])

    def ragged(self, row: int, cells: Sequence[Cell]) -> Problem | None:
        """A row that does not fit the header: values beyond its last column, or a row that
        stops before its last named column (a file cut inside the row; the first column it
        lacks is named)."""
        if self.overflows(cells):
            return Problem(row, "", FIELD_COUNT)
        if len(cells) < self.width:
            return Problem(row, next(n for n in self.names[len(cells) :] if n), SHORT_ROW)
        return None

    def missing(self, names) -> list[Problem]:
        return [Problem(self.row, n, MISSING_COLUMN) for n in names if n not in self]

    def cell(self, cells: Sequence[Cell], name: str) -> Cell:
        i = self.index.get(norm(name))
        return cells[i] if i is not None and i < len(cells) else ""

    def text(self, cells: Sequence[Cell], name: str) -> str:
        return text_of(self.cell(cells, name))

    def raw(self, cells: Sequence[Cell]) -> dict[str, str]:
        return {
            name: text_of(cells[i]) if i < len(cells) else ""
            for i, name in enumerate(self.names)
            if name
        }


# --- values -----------------------------------------------------------------------------------


def join_text(*parts: str) -> str:
    """Non-empty parts joined by a space, each once."""
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return " ".join(seen)


class References:
    """The references handed out while parsing one file: duplicates, and content hashes.

    A content reference is ``h-`` and the first 20 hex digits of the SHA-256 of the given parts;
    the n-th row with the same content in the file gets ``-n`` appended (n ≥ 2), so two equal
    transfers on one day stay two payments and the same file gives the same references again.
    """

    def __init__(self):
        self.taken: dict[tuple[str, str], int] = {}
        self.hashes: Counter[str] = Counter()

    def content(self, *parts: str) -> str:
        digest = "h-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
        self.hashes[digest] += 1
        n = self.hashes[digest]
        return digest if n == 1 else f"{digest}-{n}"

    def claim(self, method: str, reference: str, row: int) -> bool:
        """Record ``reference``; False when an earlier row of the file already has it."""
        if (method, reference) in self.taken:
            return False
        self.taken[(method, reference)] = row
        return True
