"""Statement rows, problems, and the cell readers every layout shares (domain §4).

Invariants: a row's ``amount`` is a positive ``Decimal`` with exactly 2 places and its ``kind``
says which way the money went (a refund reduces, never adds); ``paid_at`` is aware, in China
time; a ``reference`` depends only on the file's content, so parsing the same file again gives
the same references and a re-import finds its rows again. Problems name the row as the file
numbers it (1-based; 0 for the file as a whole) and the column by its header.
"""

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..money import FEN

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
UNREADABLE_CSV = "malformed CSV"
UNREADABLE_SHEET = "not a readable spreadsheet"
XLS_UNSUPPORTED = "xls files need the xlrd package"
MISSING_COLUMN = "missing column"
FIELD_COUNT = "wrong number of fields"
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
    UNREADABLE_CSV,
    UNREADABLE_SHEET,
    XLS_UNSUPPORTED,
    MISSING_COLUMN,
    FIELD_COUNT,
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
Grid = list[tuple[int, list[Cell]]]  # (row number, cells)


# --- text and grids ---------------------------------------------------------------------------


def _odd(text: str) -> bool:
    """True when some character is unlike a Chinese statement's (ASCII, CJK, CJK and
    full-width punctuation, general punctuation, ¥, ·)."""
    return any(
        not (
            ch < "\x80"
            or "\u4e00" <= ch <= "\u9fff"
            or "\u3000" <= ch <= "\u303f"
            or "\uff00" <= ch <= "\uffef"
            or "\u2000" <= ch <= "\u206f"
            or ch in "¥·\ufeff"
        )
        for ch in text
    )


def _common_gbk(text: str) -> bool:
    """True when every non-ASCII character is a GB 2312 symbol or level-1 (common) hanzi."""
    return all(
        ch < "\x80"
        or 0xA1 <= ch.encode("gb18030")[0] <= 0xA3
        or 0xB0 <= ch.encode("gb18030")[0] <= 0xD7
        for ch in text
    )


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GBK (read as its superset GB 18030).

    Short GBK text can also be valid UTF-8 (``业`` is D2 B5, which UTF-8 reads as ``ҵ``):
    without a BOM, GBK wins over valid UTF-8 only when UTF-8 gives characters foreign to a
    Chinese statement and GBK gives only common Chinese ones.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = None
    if encoding == "utf-8" and (text is None or _odd(text)):
        try:
            gbk = data.decode("gb18030")
            if text is None or _common_gbk(gbk):
                text = gbk
        except UnicodeDecodeError:
            pass
    if text is None:
        raise StatementError([Problem(0, "", UNREADABLE_TEXT)])
    return text


def split_lines(text: str) -> list[str]:
    """Physical lines, split only on CR/LF so that line numbers match an editor's."""
    return re.split(r"\r\n|\r|\n", text)


def read_csv(text: str) -> Grid:
    """Rows of a comma- (or, with no comma in the first line, tab-) separated text."""
    first = next((line for line in split_lines(text) if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid, line = [], 0
    try:
        for cells in reader:
            grid.append((line + 1, cells))
            line = reader.line_num
    except csv.Error:
        raise StatementError([Problem(line + 1, "", UNREADABLE_CSV)]) from None
    return grid


def is_blank(cells: list[Cell]) -> bool:
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

    def __init__(self, row: int, cells: list[Cell]):
        self.row = row
        self.names = [text_of(c) for c in cells]
        self.index = {}
        for i, name in enumerate(self.names):
            if name:
                self.index.setdefault(norm(name), i)

    def __contains__(self, name: str) -> bool:
        return norm(name) in self.index

    def label(self, name: str) -> str:
        """The column's header as the file writes it (ours when the file lacks it)."""
        i = self.index.get(norm(name))
        return name if i is None else self.names[i]

    def overflows(self, cells: list[Cell]) -> bool:
        """True when the row has values beyond the header's last column (a stray comma)."""
        return any(text_of(c) for c in cells[len(self.names) :])

    def missing(self, names) -> list[Problem]:
        return [Problem(self.row, n, MISSING_COLUMN) for n in names if n not in self]

    def cell(self, cells: list[Cell], name: str) -> Cell:
        i = self.index.get(norm(name))
        return cells[i] if i is not None and i < len(cells) else ""

    def text(self, cells: list[Cell], name: str) -> str:
        return text_of(self.cell(cells, name))

    def raw(self, cells: list[Cell]) -> dict[str, str]:
        return {
            name: text_of(cells[i]) if i < len(cells) else ""
            for i, name in enumerate(self.names)
            if name
        }


# --- values -----------------------------------------------------------------------------------

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
    value = value.quantize(FEN)
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
