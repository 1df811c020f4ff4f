"""The generic CSV: one header line, then one row per payment or refund.

Header (any order, case-insensitive; extra columns are kept in ``raw``):
``date,amount,reference,method,payer_name,payer_account,remark``. ``date``, ``amount`` and
``method`` are required columns; a negative amount is a refund; an empty reference becomes a
content reference (method, time, signed amount, payer account, remark).
"""

from .core import (
    DUPLICATE_REFERENCE,
    METHODS,
    PAYMENT,
    REFUND,
    REQUIRED,
    UNKNOWN_METHOD,
    ZERO_AMOUNT,
    Grid,
    Header,
    Invalid,
    Problem,
    References,
    StatementError,
    StatementRow,
    is_blank,
)
from .values import parse_amount, parse_paid_at

COLUMNS = ("date", "amount", "reference", "method", "payer_name", "payer_account", "remark")
REQUIRED_COLUMNS = ("date", "amount", "method")


def _header(grid: Grid) -> Header | None:
    for row, cells in grid:
        if not is_blank(cells):
            return Header(row, cells)
    return None


def matches(grid: Grid) -> bool:
    header = _header(grid)
    return header is not None and all(name in header for name in REQUIRED_COLUMNS)


def parse(grid: Grid) -> list[StatementRow]:
    header = _header(grid)
    problems = header.missing(REQUIRED_COLUMNS) if header else []
    if problems or header is None:
        raise StatementError(problems)
    rows, refs = [], References()
    for row, cells in grid:
        if row <= header.row or is_blank(cells):
            continue
        ragged = header.ragged(row, cells)
        if ragged:
            problems.append(ragged)
            continue
        found = []
        try:
            amount = parse_amount(header.cell(cells, "amount"))
            if not amount:
                found.append(Problem(row, header.label("amount"), ZERO_AMOUNT))
        except Invalid as bad:
            found.append(Problem(row, header.label("amount"), bad.message))
        try:
            paid_at = parse_paid_at(header.cell(cells, "date"))
        except Invalid as bad:
            found.append(Problem(row, header.label("date"), bad.message))
        method = header.text(cells, "method").lower()
        if method not in METHODS:
            message = UNKNOWN_METHOD if method else REQUIRED
            found.append(Problem(row, header.label("method"), message))
        if found:
            problems += found
            continue
        account, remark = header.text(cells, "payer_account"), header.text(cells, "remark")
        reference = header.text(cells, "reference") or refs.content(
            method, paid_at.isoformat(), str(amount), account, remark
        )
        if not refs.claim(method, reference, row):
            problems.append(Problem(row, header.label("reference"), DUPLICATE_REFERENCE))
            continue
        rows.append(
            StatementRow(
                row=row,
                method=method,
                reference=reference,
                paid_at=paid_at,
                amount=abs(amount),
                kind=REFUND if amount < 0 else PAYMENT,
                payer_name=header.text(cells, "payer_name"),
                payer_account=account,
                remark=remark,
                raw=header.raw(cells),
            )
        )
    if problems:
        raise StatementError(problems)
    return rows
