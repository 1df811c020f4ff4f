"""Chinese bank account statements (XLSX, XLS or CSV) read through a saved per-bank mapping.

A ``BankMapping`` names, for each of our fields, the bank's header; the header row is the one
given or, by default, the first of the top rows that holds every mapped header (title and
account lines above it are skipped). A credit (贷方) is a payment, a debit (借方) a refund or
other outgoing money; a row with neither (and any 合计/小计 line) is skipped, a row with both is
a problem; so is a row that stops before the header's last column (a cut file), unless it
holds at most one value (a note below the table). The reference is ``<mapping name>:<serial>``
when the mapping has a ``reference`` column and the row a value there, else a content reference
over mapping name, time, kind, amount, counterparty account, remark and balance (see
``References``).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .core import (
    BOTH_SIDES,
    DUPLICATE_REFERENCE,
    METHODS,
    MISSING_COLUMN,
    NEGATIVE_AMOUNT,
    PAYMENT,
    REFUND,
    Grid,
    Header,
    Invalid,
    Problem,
    References,
    StatementError,
    StatementRow,
    is_blank,
    join_text,
    text_of,
)
from .values import amount_or_zero, parse_amount, parse_paid_at, parse_time

FIELDS = (
    "date",
    "time",
    "credit",
    "debit",
    "balance",
    "payer_name",
    "payer_account",
    "remark",
    "reference",
)
REQUIRED_FIELDS = ("date", "credit", "debit")
TEXT_FIELDS = ("payer_name", "payer_account", "remark")  # may join several columns
SCAN_ROWS = 30  # how far down the header row is looked for
_TOTAL_LINE = re.compile(r"^(本页|本期|当页)?(合计|总计|小计|累计)")


@dataclass(frozen=True)
class BankMapping:
    """One bank's statement layout.

    :param name: short identifier, also the namespace of the bank's serial numbers
    :param columns: our field -> the bank's header; ``date``, ``credit`` and ``debit`` are
        required; ``time``, ``balance``, ``reference`` optional; ``payer_name``,
        ``payer_account`` and ``remark`` may name a tuple of headers, joined by a space
    :param header_row: the header's row number in the file, or None to find it
    :param date_format: ``strptime`` format tried first for the date column
    :param method: the payment method of the rows
    """

    name: str
    columns: Mapping[str, str | tuple[str, ...]]
    header_row: int | None = None
    date_format: str | None = None
    method: str = "bank_transfer"

    def __post_init__(self):
        unknown = sorted(set(self.columns) - set(FIELDS))
        missing = [f for f in REQUIRED_FIELDS if f not in self.columns]
        several = [
            f for f, v in self.columns.items() if not isinstance(v, str) and f not in TEXT_FIELDS
        ]
        if unknown or missing or several or self.method not in METHODS or not self.name:
            raise ValueError(
                f"bad bank mapping {self.name!r}: unknown {unknown}, "
                f"missing {missing}, several headers for {several}"
            )

    def headers(self, name: str) -> tuple[str, ...]:
        value = self.columns.get(name, ())
        return (value,) if isinstance(value, str) else tuple(value)

    @property
    def all_headers(self) -> list[str]:
        return [h for name in FIELDS for h in self.headers(name)]


ICBC = BankMapping(
    name="icbc",
    columns={
        "date": "交易日期",
        "time": "交易时间",
        "reference": "流水号",
        "debit": "借方发生额",
        "credit": "贷方发生额",
        "balance": "余额",
        "payer_name": "对方户名",
        "payer_account": "对方账号",
        "remark": ("摘要", "用途"),
    },
    date_format="%Y-%m-%d",
)
CCB = BankMapping(
    name="ccb",
    columns={
        "date": "交易时间",
        "reference": "账户明细编号-交易流水号",
        "debit": "借方发生额（支取）",
        "credit": "贷方发生额（收入）",
        "balance": "余额",
        "payer_name": "对方户名",
        "payer_account": "对方账号",
        "remark": ("摘要", "备注"),
    },
    date_format="%Y%m%d %H:%M:%S",
)
BANK_MAPPINGS = (ICBC, CCB)


def find_header(grid: Grid, mapping: BankMapping) -> tuple[Header | None, list[Problem]]:
    """The header row, or the problems naming the mapped headers that are nowhere to be found
    (against the row holding most of them, or row 0 when none holds any)."""
    needed = mapping.all_headers
    if mapping.header_row:
        candidates = [(r, c) for r, c in grid if r == mapping.header_row]
    else:
        candidates = [(r, c) for r, c in grid if not is_blank(c)][:SCAN_ROWS]
    best, found = None, 0
    for row, cells in candidates:
        header = Header(row, cells)
        count = sum(h in header for h in needed)
        if count > found:
            best, found = header, count
    if best is not None and found == len(needed):
        return best, []
    if best is None:
        return None, [Problem(mapping.header_row or 0, h, MISSING_COLUMN) for h in needed]
    return None, best.missing(needed)


def matches(grid: Grid, mapping: BankMapping) -> bool:
    return find_header(grid, mapping)[0] is not None


def _is_total_line(cells) -> bool:
    first = next((text_of(c) for c in cells if text_of(c)), "")
    return bool(_TOTAL_LINE.match("".join(first.split())))


def _is_note(cells) -> bool:
    """A line with at most one value (a remark below the table): no row of money."""
    return sum(1 for c in cells if text_of(c)) <= 1


def _balance(cell) -> str:
    """The balance as a number when it is one, so that the CSV and the XLS export of the same
    statement give the same content references."""
    try:
        return str(parse_amount(cell))
    except Invalid:
        return text_of(cell)


def parse(grid: Grid, mapping: BankMapping) -> list[StatementRow]:
    header, problems = find_header(grid, mapping)
    if header is None:
        raise StatementError(problems)
    column = {name: mapping.headers(name)[0] for name in FIELDS if name in mapping.columns}
    rows, refs = [], References()
    for row, cells in grid:
        if row <= header.row or is_blank(cells) or _is_total_line(cells):
            continue
        ragged = header.ragged(row, cells)
        if ragged and not _is_note(cells):
            problems.append(ragged)
            continue
        found, sides = [], {}
        for side in ("credit", "debit"):
            try:
                sides[side] = amount_or_zero(header.cell(cells, column[side]))
                if sides[side] < 0:
                    found.append(Problem(row, header.label(column[side]), NEGATIVE_AMOUNT))
            except Invalid as bad:
                found.append(Problem(row, header.label(column[side]), bad.message))
        credit, debit = sides.get("credit"), sides.get("debit")
        if not found and not credit and not debit:
            continue  # no money moved: a note or an empty line
        if credit and debit:
            found.append(Problem(row, header.label(column["credit"]), BOTH_SIDES))
        try:
            paid_at = parse_paid_at(header.cell(cells, column["date"]), mapping.date_format)
        except Invalid as bad:
            found.append(Problem(row, header.label(column["date"]), bad.message))
            paid_at = None
        if "time" in column and header.text(cells, column["time"]):
            try:
                moment = parse_time(header.cell(cells, column["time"]))
                if paid_at is not None:
                    paid_at = datetime.combine(paid_at.date(), moment, paid_at.tzinfo)
            except Invalid as bad:
                found.append(Problem(row, header.label(column["time"]), bad.message))
        if found:
            problems += found
            continue
        assert paid_at is not None and credit is not None and debit is not None  # else found
        kind, amount = (PAYMENT, credit) if credit else (REFUND, debit)
        texts = {
            name: join_text(*(header.text(cells, h) for h in mapping.headers(name)))
            for name in TEXT_FIELDS
        }
        serial = header.text(cells, column["reference"]) if "reference" in column else ""
        if serial:
            reference = f"{mapping.name}:{serial}"
            if not refs.claim(mapping.method, reference, row):
                problems.append(
                    Problem(row, header.label(column["reference"]), DUPLICATE_REFERENCE)
                )
                continue
        else:
            balance = _balance(header.cell(cells, column["balance"])) if "balance" in column else ""
            reference = refs.content(
                mapping.name,
                paid_at.isoformat(),
                kind,
                str(amount),
                texts["payer_account"],
                texts["remark"],
                balance,
            )
        rows.append(
            StatementRow(
                row=row,
                method=mapping.method,
                reference=reference,
                paid_at=paid_at,
                amount=amount,
                kind=kind,
                payer_name=texts["payer_name"],
                payer_account=texts["payer_account"],
                remark=texts["remark"],
                raw=header.raw(cells),
            )
        )
    if problems:
        raise StatementError(problems)
    return rows
