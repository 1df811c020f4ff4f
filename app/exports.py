"""Writers for list exports: CSV streamed chunk by chunk, XLSX written row by row to disk.

Both take a header and an iterator of rows, so memory stays bounded whatever the row count.
CSV is UTF-8 with a byte-order mark, which Excel needs to show Chinese text.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
CHUNK_ROWS = 500


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV file as byte chunks of ``CHUNK_ROWS`` rows, starting with the BOM and header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(header: list[str], rows: Iterable[list], title: str):
    """A temporary file (open, at position 0) holding the rows as one XLSX sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
