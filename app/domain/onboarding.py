"""Moving in (docs/domain.md §14): the pure rules of the onboarding import.

A property company brings its records as four sheets (``SHEETS``): units 房屋, owners 业主,
opening arrears 期初欠费 and prepaid balances 预存. This module knows their columns, reads a header
row and each data row into typed values, and checks the rules across the rows of one sheet; the
service matches the rows to the database and writes them (or nothing).

- A sheet is found by its Chinese title or English key; a header cell names its column by the
  Chinese name, the key, or both as the template writes them (``小区编码 [community]``); spaces,
  case, ``_``/``-`` and a ``*`` do not matter. A header naming no column, or a column twice, is a
  problem: a column the import does not know would be dropped silently.
- Cells come from openpyxl (str, int, float, Decimal, datetime, None) or CSV (str); text is
  NFKC-normalised (full-width digits) and stripped; a float is read as the shortest text that
  gives it back (81.5 → 81.50). Money and areas are ``Decimal`` with 2 places; a third non-zero
  decimal is refused, never rounded. Areas are above 0 and at most 100,000 m²; an amount (opening
  arrears, prepaid) is above 0 — a zero row moves nothing — and below the column's 10¹².
- Days and months lie in 2000–2099 (docs/input.md); a month is its first day; an opening
  arrear is due at most a year after its period's last day.
- A phone is an 11-digit mobile number (1[3-9]…, spaces, ``-`` and a leading +86 dropped); an ID
  number has 18 characters and a valid GB 11643-1999 check character (``app/domain/checks.py``).
- Across rows: a unit once in ``units`` and in ``prepaid``; a (unit, period, fee) once in
  ``opening_arrears``; an owner row's ``since`` starts a period that ends the day before the next
  owner of that unit, so two owners of one unit overlap only when they start the same day.

A problem names the sheet and column by their keys (a header naming no column: its text) and the
row as the file numbers it (the header is row 1); its message is one of ``MESSAGES``, English
text the edges translate.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from dateutil.relativedelta import relativedelta

from .checks import decimal_places, is_code, is_resident_id, is_unit_code
from .money import FEN
from .periods import period_end
from .windows import in_business_years, read_amount

# Problem messages: short English text, fixed (row and column carry the variable part), so the
# edges translate them as message ids (like app/domain/statements/core.py).
MESSAGES = (
    MISSING_COLUMN := "missing column",
    UNKNOWN_COLUMN := "unknown column",
    DUPLICATE_COLUMN := "column given twice",
    REQUIRED := "required",
    TOO_LONG := "too long",
    BAD_CODE := "not a code (1–16 letters, digits, - or _)",
    BAD_UNIT_CODE := "not a unit code (letters, digits, -)",
    NOT_A_NUMBER := "not a number",
    TOO_MANY_DECIMALS := "more than 2 decimal places",
    NEGATIVE_AMOUNT := "amount is negative",
    ZERO_AMOUNT := "amount is zero",
    TOO_LARGE := "amount too large",
    BAD_AREA := "area must be above 0 and at most 100,000 m²",
    BAD_DATE := "not a date",
    BAD_MONTH := "not a month (YYYY-MM)",
    OUT_OF_YEARS := "outside the years 2000–2099",
    DUE_TOO_LATE := "due more than a year after its period",
    BAD_PHONE := "not an 11-digit mobile number",
    BAD_ID_NUMBER := "not a valid 18-character resident ID number",
    UNKNOWN_PROPERTY_TYPE := "unknown property type",
    UNKNOWN_UNIT_STATUS := "unknown unit status",
    DUPLICATE_UNIT := "unit listed twice",
    OVERLAPPING_OWNER := "another owner of this unit from the same day",
    DUPLICATE_ARREARS := "same unit, period and fee twice",
    DUPLICATE_PREPAID := "prepaid twice for this unit",
    UNKNOWN_COMMUNITY := "unknown community",
    UNKNOWN_UNIT := "unknown unit",
    AMBIGUOUS_UNIT := "unit code in several buildings: give the building",
)

MAX_AREA = Decimal("100000")
MAX_AMOUNT = Decimal("1e12")  # the MONEY column is Numeric(14, 2)
MAX_TEXT = 100
PROPERTY_TYPES = {
    "residential": ("住宅", "Residential"),
    "commercial": ("商业", "Commercial"),
    "parking": ("车位", "Parking space"),
    "other": ("其他", "Other"),
}
UNIT_STATUSES = {"vacant": ("空置", "Vacant"), "occupied": ("已入住", "入住", "Occupied")}


class Problem(NamedTuple):
    sheet: str  # the sheet's key
    row: int  # as the file numbers it; the header is row 1
    column: str  # the column's key (a header naming no column: the header as written)
    message: str  # one of MESSAGES


class Column(NamedTuple):
    """``kind``: code, unit, text, area, amount, date, month, phone, id_number, property_type
    or status (how ``read_cell`` reads it)."""

    key: str
    zh: str
    required: bool
    kind: str


class Sheet(NamedTuple):
    key: str
    zh: str
    columns: tuple[Column, ...]


def _sheet(key: str, zh: str, building_required: bool, *columns: Column) -> Sheet:
    """A sheet whose rows start with the unit's codes (小区编码, 楼栋编码, 房号)."""
    community = Column("community", "小区编码", True, "code")
    unit = Column("unit", "房号", True, "unit")
    building = Column("building", "楼栋编码", building_required, "code")
    return Sheet(key, zh, (community, building, unit, *columns))


SHEETS: dict[str, Sheet] = {
    sheet.key: sheet
    for sheet in (
        _sheet(
            "units",
            "房屋",
            True,
            Column("area", "建筑面积", True, "area"),
            Column("property_type", "物业类型", True, "property_type"),
            Column("status", "状态", False, "status"),
        ),
        _sheet(
            "owners",
            "业主",
            False,
            Column("name", "姓名", True, "text"),
            Column("phone", "手机", True, "phone"),
            Column("id_number", "身份证号", False, "id_number"),
            Column("since", "起始日期", True, "date"),
        ),
        _sheet(
            "opening_arrears",
            "期初欠费",
            False,
            Column("period", "费用期间", True, "month"),
            Column("amount", "金额", True, "amount"),
            Column("due_date", "应缴日期", True, "date"),
            Column("fee", "费用项目", False, "text"),
        ),
        _sheet("prepaid", "预存", False, Column("amount", "金额", True, "amount")),
    )
}

_EXAMPLES = {
    "units": ["C01", "1", "1-1-101", "89.50", "住宅", "已入住"],
    "owners": ["C01", "1", "1-1-101", "张三", "13812345678", "11010519491231002X", "2020-01-01"],
    "opening_arrears": ["C01", "1", "1-1-101", "2025-12", "268.50", "2026-01-15", "物业服务费"],
    "prepaid": ["C01", "1", "1-1-101", "500.00"],
}


class Invalid(ValueError):
    """A cell that cannot be read; ``args[0]`` is one of MESSAGES."""


# --- text and names -----------------------------------------------------------------------------


def text_of(cell: Any) -> str:
    """A cell as stripped NFKC text; a whole float (13812345678.0) without its ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return unicodedata.normalize("NFKC", str(cell)).strip()


def is_blank(cells: Sequence[Any]) -> bool:
    return all(not text_of(c) for c in cells)


def _name(text: str) -> str:
    """A sheet or column name for comparison: no spaces, ``_``, ``-`` or ``*``, lower case."""
    return re.sub(r"[\s_\-*]", "", unicodedata.normalize("NFKC", text)).lower()


def _names(text: str) -> set[str]:
    """``text`` and, for ``名称 [key]`` or ``名称 (key)`` (【】 too), each of its two parts."""
    text = text_of(text).replace("【", "[").replace("】", "]")
    found = {_name(text)}
    match = re.fullmatch(r"(.*?)\s*[\[(]\s*(.*?)\s*[\])]", text)
    if match:
        found |= {_name(match[1]), _name(match[2])}
    return found - {""}


def _choices(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {_name(alias): code for code, aliases in table.items() for alias in (code, *aliases)}


_CHOICES = {
    "property_type": (_choices(PROPERTY_TYPES), UNKNOWN_PROPERTY_TYPE),
    "status": (_choices(UNIT_STATUSES), UNKNOWN_UNIT_STATUS),
}


def sheet_named(title: str) -> Sheet | None:
    """The sheet titled ``title``: ``业主``, ``owners``, ``业主 [owners]``; None if none is."""
    names = _names(title)
    found = {s.key for s in SHEETS.values() if names & {_name(s.key), _name(s.zh)}}
    return SHEETS[found.pop()] if len(found) == 1 else None


def read_header(
    sheet: Sheet, cells: Sequence[Any], row: int = 1
) -> tuple[dict[str, int], list[Problem]]:
    """Where each column of ``sheet`` is (column key -> cell index), and the header's problems:
    a cell naming no column (or two), a column given twice, a required column missing.
    Empty header cells are skipped."""
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for i, cell in enumerate(cells):
        text = text_of(cell)
        if not text:
            continue
        names = _names(text)
        keys = {c.key for c in sheet.columns if names & {_name(c.key), _name(c.zh)}}
        if len(keys) != 1:
            problems.append(Problem(sheet.key, row, text, UNKNOWN_COLUMN))
        elif (key := keys.pop()) in columns:
            problems.append(Problem(sheet.key, row, key, DUPLICATE_COLUMN))
        else:
            columns[key] = i
    problems += [
        Problem(sheet.key, row, c.key, MISSING_COLUMN)
        for c in sheet.columns
        if c.required and c.key not in columns
    ]
    return columns, problems


# --- cells ------------------------------------------------------------------------------------


def _decimal(cell: Any) -> Decimal:
    """A number with at most 2 non-zero decimals (any sign, not yet rounded to them): digits
    with a point, ``1,234.50``, ``¥12`` and ``12元`` too; a float as its shortest text."""
    if isinstance(cell, str):
        cell = text_of(cell).removeprefix("¥").removesuffix("元").strip()
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cell):
            cell = cell.replace(",", "")
    value = read_amount(cell)
    if value is None:
        raise Invalid(NOT_A_NUMBER)
    if decimal_places(value) > 2:
        raise Invalid(TOO_MANY_DECIMALS)
    return value


def _amount(cell: Any) -> Decimal:
    value = _decimal(cell)
    if value < 0:
        raise Invalid(NEGATIVE_AMOUNT)
    if value == 0:
        raise Invalid(ZERO_AMOUNT)
    if value >= MAX_AMOUNT:
        raise Invalid(TOO_LARGE)
    return value.quantize(FEN)


def _area(cell: Any) -> Decimal:
    value = _decimal(cell)
    if not 0 < value <= MAX_AREA:
        raise Invalid(BAD_AREA)
    return value.quantize(FEN)


def _in_years(day: date) -> date:
    if not in_business_years(day):
        raise Invalid(OUT_OF_YEARS)
    return day


_DAY = re.compile(
    r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?: 0?0:00(:00)?)?"
)
_MONTH = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))")


def _day(cell: Any) -> date:
    """A day: a date cell, ``2026-03-05`` (``/``, ``.``, ``年月日``, one-digit month and day) or
    ``20260305`` (text or a number)."""
    if isinstance(cell, datetime):
        return _in_years(cell.date())
    if isinstance(cell, date):
        return _in_years(cell)
    match = _DAY.fullmatch(text_of(cell))
    try:
        if match is None:
            raise ValueError
        day = date(int(match[1]), int(match[2] or match[4]), int(match[3] or match[5]))
    except ValueError:  # no such day (2026-02-30)
        raise Invalid(BAD_DATE) from None
    return _in_years(day)


def _month(cell: Any) -> date:
    """A month as its first day: ``2026-03`` (``/``, ``.``, ``年月``, ``202603``), or a day (a
    date cell: Excel turns a typed ``2026-03`` into 2026-03-01) taken as its month."""
    if isinstance(cell, float):  # Excel's 2026.1 may have been typed 2026.10
        raise Invalid(BAD_MONTH)
    match = _MONTH.fullmatch(text_of(cell))
    if match and 1 <= int(match[2] or match[3]) <= 12:
        return _in_years(date(int(match[1]), int(match[2] or match[3]), 1))
    try:
        return _day(cell).replace(day=1)
    except Invalid as err:
        raise Invalid(OUT_OF_YEARS if err.args[0] == OUT_OF_YEARS else BAD_MONTH) from None


def _mobile(text: str) -> str:
    text = re.sub(r"[\s\-()]", "", text_of(text))
    return re.sub(r"^(?:\+?86|0086)(?=1\d{10}$)", "", text)


def phone_ok(text: str) -> bool:
    """An 11-digit mainland mobile number (``138 1234 5678``, ``+86-13812345678`` too)."""
    return bool(re.fullmatch(r"1[3-9]\d{9}", _mobile(text)))


def id_number_ok(text: str) -> bool:
    """18 characters, the last a digit or X, with a valid GB 11643-1999 check character."""
    return is_resident_id(re.sub(r"\s", "", text_of(text)))


def _text(cell: Any, kind: str) -> str:
    # a date cell in a code column is Excel's doing ("3-2-1" became 2003-03-02): not a code
    text = "" if isinstance(cell, date) and kind != "text" else text_of(cell)
    if kind == "code" and not is_code(text):
        raise Invalid(BAD_CODE)
    if kind == "unit" and not is_unit_code(text):
        raise Invalid(BAD_UNIT_CODE)
    if kind == "text" and len(text) > MAX_TEXT:
        raise Invalid(TOO_LONG)
    if kind == "phone":
        if not phone_ok(text):
            raise Invalid(BAD_PHONE)
        return _mobile(text)
    if kind == "id_number":
        if not id_number_ok(text):
            raise Invalid(BAD_ID_NUMBER)
        return re.sub(r"\s", "", text).upper()
    if kind in ("property_type", "status"):
        table, why = _CHOICES[kind]
        if _name(text) not in table:
            raise Invalid(why)
        return table[_name(text)]
    return text


_READERS: dict[str, Callable[[Any], Any]] = {
    "area": _area,
    "amount": _amount,
    "date": _day,
    "month": _month,
}


def read_cell(column: Column, cell: Any) -> Any:
    """``cell`` read as ``column``'s kind; None for an empty cell of an optional column.

    :raises Invalid: the cell is bad (or empty and required); ``args[0]`` is the message.
    """
    if not text_of(cell):
        if column.required:
            raise Invalid(REQUIRED)
        return None
    reader = _READERS.get(column.kind)
    return reader(cell) if reader else _text(cell, column.kind)


def read_row(
    sheet: Sheet, row: int, cells: Sequence[Any], columns: dict[str, int]
) -> tuple[dict[str, Any], list[Problem]]:
    """The row's values by column key (every column of the sheet; None for an empty optional
    cell, a bad cell or a column the header lacks — ``read_header`` reported a missing required
    one already) and the problems of its cells, in column order."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column in sheet.columns:
        values[column.key] = None
        i = columns.get(column.key)
        if i is None:
            continue
        try:
            values[column.key] = read_cell(column, cells[i] if i < len(cells) else None)
        except Invalid as err:
            problems.append(Problem(sheet.key, row, column.key, err.args[0]))
    period, due = values.get("period"), values.get("due_date")
    if sheet.key == "opening_arrears" and period and due and due > latest_due_date(period):
        problems.append(Problem(sheet.key, row, "due_date", DUE_TOO_LATE))
    return values, problems


def latest_due_date(period: date) -> date:
    """The last due date an opening arrear of the month ``period`` may have: a year after the
    period's last day (2025-12 → 2026-12-31)."""
    return period_end(period, 1) + relativedelta(years=1)


# --- across rows --------------------------------------------------------------------------------

UnitKey = tuple[str, str, str]  # community, building ("" when not given), unit codes


def unit_key(values: Mapping[str, Any]) -> UnitKey:
    return (values.get("community") or "", values.get("building") or "", values.get("unit") or "")


_SAME: dict[str, tuple[tuple[str, ...], str, str]] = {
    "units": ((), "unit", DUPLICATE_UNIT),
    "owners": (("since",), "since", OVERLAPPING_OWNER),
    "opening_arrears": (("period", "fee"), "period", DUPLICATE_ARREARS),
    "prepaid": ((), "unit", DUPLICATE_PREPAID),
}


def sheet_problems(sheet: Sheet, rows: list[tuple[int, dict]]) -> list[Problem]:
    """The rules across one sheet's rows (read by ``read_row``): a later row repeating an
    earlier one's unit (``units``, ``prepaid``), unit and ``since`` (``owners``: their periods
    would overlap), or unit, period and fee (``opening_arrears``). Units are compared by their
    codes as written; a row lacking a code or the period is skipped (its cell was reported)."""
    extra, column, message = _SAME[sheet.key]
    needed = [c.key for c in sheet.columns if c.required and c.key in ("community", "building")]
    needed += ["unit", *(k for k in extra if k != "fee")]
    seen: set[tuple] = set()
    problems = []
    for row, values in rows:
        if any(values.get(k) is None for k in needed):
            continue
        key = (*unit_key(values), *(values.get(k) or "" for k in extra))
        if key in seen:
            problems.append(Problem(sheet.key, row, column, message))
        seen.add(key)
    return problems


class Units:
    """The units an import knows (the database's and the units sheet's), found by a row's codes:
    with its building exactly; without one, by community and unit code when a single building
    of the community has that unit code."""

    def __init__(self, keys: Iterable[UnitKey] = ()):
        self.keys: set[UnitKey] = set()
        self.buildings: dict[tuple[str, str], set[str]] = defaultdict(set)
        for key in keys:
            self.add(key)

    def add(self, key: UnitKey) -> None:
        self.keys.add(key)
        self.buildings[(key[0], key[2])].add(key[1])

    def find(self, values: Mapping[str, Any]) -> tuple[UnitKey | None, str | None]:
        """The unit a row names and None, or None and UNKNOWN_UNIT or AMBIGUOUS_UNIT."""
        community, building, unit = unit_key(values)
        if building:
            key = (community, building, unit)
            return (key, None) if key in self.keys else (None, UNKNOWN_UNIT)
        found = self.buildings.get((community, unit), set())
        if len(found) == 1:
            return (community, next(iter(found)), unit), None
        return None, AMBIGUOUS_UNIT if found else UNKNOWN_UNIT


def template_rows() -> dict[str, list[list[str]]]:
    """Per sheet key, the header row as the template writes it (``小区编码 [community]``) and an
    example row."""
    return {
        key: [[f"{c.zh} [{c.key}]" for c in sheet.columns], list(_EXAMPLES[key])]
        for key, sheet in SHEETS.items()
    }
