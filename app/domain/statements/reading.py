"""Reading a file's bytes as a grid of cells: XLSX (openpyxl), XLS (xlrd, optional), or text
(UTF-8, UTF-16 or GBK, decided by ``encoding``; CSV).

Only the first worksheet is read. Numbers become text the way the sheet shows them (a float is
never handed on: ``1234.5`` becomes ``"1234.5"``, float noise such as ``0.30000000000000004`` is
cut at 9 places, whole numbers lose their ``.0``); date cells stay ``datetime``.
"""

import csv
import io
import warnings
from datetime import date, datetime, time

from .core import (
    UNREADABLE_CSV,
    UNREADABLE_SHEET,
    XLS_UNSUPPORTED,
    Cell,
    Grid,
    Problem,
    StatementError,
)
from .encoding import decode, delimiter, split_lines

__all__ = ["decode", "is_spreadsheet", "load_grid", "read_csv", "split_lines"]

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_csv(text: str) -> Grid:
    """Rows of a comma- (or, with no comma in the first line, tab-) separated text."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    grid: Grid = []
    line = 0
    try:
        for cells in reader:
            grid.append((line + 1, cells))
            line = reader.line_num
    except csv.Error:
        raise StatementError([Problem(line + 1, "", UNREADABLE_CSV)]) from None
    return grid


def is_spreadsheet(data: bytes) -> bool:
    return data.startswith((XLSX_MAGIC, XLS_MAGIC))


def load_grid(data: bytes) -> Grid:
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if data.startswith(XLS_MAGIC):
        return read_xls(data)
    return read_csv(decode(data))


def cell_value(value) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time | str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 9))
    return str(value)


def read_xlsx(data: bytes) -> Grid:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # a broken zip or workbook: openpyxl raises many kinds
        raise StatementError([Problem(0, "", UNREADABLE_SHEET)]) from None
    sheet = book.worksheets[0]
    grid: Grid = [
        (cells[0].row, [cell_value(c.value) for c in cells]) for cells in sheet.iter_rows() if cells
    ]
    book.close()
    return grid


def read_xls(data: bytes) -> Grid:
    try:
        import xlrd
    except ImportError:
        raise StatementError([Problem(0, "", XLS_UNSUPPORTED)]) from None
    try:
        book = xlrd.open_workbook(file_contents=data)
        sheet = book.sheet_by_index(0)
        grid: Grid = []
        for r in range(sheet.nrows):
            cells = []
            for c in sheet.row(r):
                if c.ctype == xlrd.XL_CELL_DATE:
                    cells.append(xlrd.xldate_as_datetime(c.value, book.datemode))
                elif c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    cells.append("")
                else:
                    cells.append(cell_value(c.value))
            grid.append((r + 1, cells))
    except Exception:  # xlrd raises several kinds for a broken file
        raise StatementError([Problem(0, "", UNREADABLE_SHEET)]) from None
    return grid
