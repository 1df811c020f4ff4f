"""Reading an onboarding file (docs/domain.md §14) as sheets of rows, streamed: an XLSX workbook
with one sheet per kind of row (房屋, 业主, 期初欠费, 预存), or a CSV file holding one sheet.

Rows are handed on one at a time with their row number (the header is row 1), the cells as the
file has them: openpyxl's values (str, int, float, datetime, None) or CSV's text. A workbook is
read in openpyxl's read-only mode, so memory does not grow with the number of rows.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import NamedTuple

from .statements.core import StatementError
from .statements.encoding import decode

XLSX_MAGIC = b"PK\x03\x04"


class SheetRows(NamedTuple):
    """One sheet of the file: its title and its rows, ``(row number, cells)``."""

    title: str
    rows: Iterator[tuple[int, tuple]]


class UnreadableFile(Exception):
    """The file is no workbook or CSV this import reads."""


def is_workbook(data: bytes) -> bool:
    return data.startswith(XLSX_MAGIC)


def read_sheets(data: bytes, csv_sheet: str | None = None) -> Iterator[SheetRows]:
    """The sheets of ``data``: every worksheet of a workbook, or a CSV file as the one sheet
    titled ``csv_sheet``.

    :raises UnreadableFile: neither a workbook nor text.
    """
    if is_workbook(data):
        yield from _workbook(data)
        return
    if csv_sheet is None:
        raise UnreadableFile("a CSV file holds one sheet: name it")
    try:
        text = decode(data)
    except StatementError as err:
        raise UnreadableFile("not UTF-8, UTF-16 or GBK text") from err
    reader = csv.reader(io.StringIO(text, newline=""))
    yield SheetRows(csv_sheet, ((number, tuple(cells)) for number, cells in enumerate(reader, 1)))


def _workbook(data: bytes) -> Iterator[SheetRows]:
    from openpyxl import load_workbook  # only an import of a workbook needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise UnreadableFile("not a readable XLSX workbook") from err
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            yield SheetRows(sheet.title, ((n, tuple(cells)) for n, cells in enumerate(rows, 1)))
    finally:
        book.close()


def write_template(sheets: dict[str, list[list[str]]], titles: dict[str, str]) -> bytes:
    """A workbook with one sheet per key of ``sheets`` (titled ``titles[key]``) holding its
    rows: the header the import reads, then an example row."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for key, rows in sheets.items():
        sheet = book.create_sheet(titles[key])
        for row in rows:
            sheet.append(row)
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = max(12, width * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
