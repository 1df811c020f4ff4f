"""Reading a file's bytes as a grid of cells: XLSX (openpyxl), XLS (xlrd, optional), or text
(UTF-8, UTF-16 or GBK; CSV).

Only the first worksheet is read. Numbers become text the way the sheet shows them (a float is
never handed on: ``1234.5`` becomes ``"1234.5"``, float noise such as ``0.30000000000000004`` is
cut at 9 places, whole numbers lose their ``.0``); date cells stay ``datetime``.
"""

import csv
import io
import re
import warnings
from datetime import date, datetime, time

from .core import (
    UNREADABLE_CSV,
    UNREADABLE_SHEET,
    UNREADABLE_TEXT,
    XLS_UNSUPPORTED,
    Cell,
    Grid,
    Problem,
    StatementError,
)

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    grid = [
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
        grid = []
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
