"""List exports (docs/domain.md §13): the rows of a list as CSV or XLSX, masked and audited.

Screens and APIs, model lists and service queries all answer through ``send_export``: it
records who exported what (format, filters, whether masked, how many rows) before the first
byte leaves, then sends the file. Memory stays bounded whatever the row count: model rows are
read ``CHUNK_ROWS`` at a time (``yield_per``), CSV is streamed chunk by chunk, and XLSX is
written row by row (openpyxl's write-only mode, inline strings) to a temporary file that is
then sent from disk.

A streamed export holds no connection of the request's session: model rows are read through a
session of the export's own, closed with the response, whether the stream ends or the client
goes away; the request's session ends its transaction before the first byte. Each process runs
at most ``WUYE_EXPORT_SLOTS`` exports at once, so exports can never take every pooled
connection: one more answers "busy, try again" (503 on the API, a message on the screen).

CSV is UTF-8 with a byte-order mark, which Excel needs to show Chinese text. Text that a
spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``: statement remarks come
from outside) is written as text: quoted with ``'`` in CSV, typed as a string in XLSX.
"""

import csv
import io
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    send_file,
)
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session, joinedload

from app.audit import record
from app.domain.masking import MASKERS
from app.extensions import db, unit_of_work

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
CHUNK_ROWS = 500
SHEET_ROWS = 1_048_576  # Excel's limit, header included
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` as a spreadsheet cell: amounts as exact decimal strings (never a float), dates
    in ISO form, HTML as its text, anything else as text."""
    if isinstance(value, Markup):
        return value.striptags()
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _csv_text(value):
    """A text that a spreadsheet would run as a formula, quoted; numbers such as ``-12.50``
    stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV file as byte chunks of ``CHUNK_ROWS`` rows, starting with the BOM and header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_text(value) for value in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_value(sheet, value):
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel refuses
    if value.startswith("="):
        text = WriteOnlyCell(sheet, value)
        text.data_type = "s"  # openpyxl would store it as a formula
        return text
    return value


def xlsx_file(header: list[str], rows: Iterable[list], title: str):
    """A temporary file (open, at position 0) holding the rows as an XLSX sheet, continued
    on further sheets (header repeated) beyond the ``SHEET_ROWS`` a sheet may hold."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    room = SHEET_ROWS - 1
    for row in rows:
        if room == 0:
            sheet = workbook.create_sheet(title=f"{title[:24]} ({len(workbook.worksheets) + 1})")
            sheet.append(header)
            room = SHEET_ROWS - 1
        sheet.append([_xlsx_value(sheet, value) for value in row])
        room -= 1
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _each_in_context(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks``, each made in an app context of its own, in the request's language: labels
    and times are formatted as on the screen, and no context outlives a chunk, so a stream the
    client abandons leaves nothing pushed (and streams served side by side cannot pop each
    other's contexts). The app and the language are taken now, in the request: the stream is
    read after the request has ended."""
    app = current_app._get_current_object()
    locale = get_locale()

    def each() -> Iterator[bytes]:
        while True:
            with app.app_context(), force_locale(locale):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    return each()


BUSY_RETRY_SECONDS = 30
_slots_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    """This process's export slots (``WUYE_EXPORT_SLOTS``)."""
    with _slots_lock:
        return current_app.extensions.setdefault(
            "wuye_export_slots", threading.BoundedSemaphore(current_app.config["WUYE_EXPORT_SLOTS"])
        )


def busy() -> Response:
    """Every export slot is taken: say so, and when to try again."""
    message = gettext("Other exports are running: try again in a minute.")
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
        response.status_code = 503
    else:
        flash(message, "warning")
        response = redirect(request.referrer or "/")
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def send_export(
    fmt: str,
    name: str,
    header: list[str],
    rows: Callable[[Session | None], Iterable[list]],
    *,
    table: str,
    details: dict,
) -> Response:
    """Record the export of ``table`` (``details``: filters, masked, rows…) in the audit log,
    then answer the rows as the file ``<name>.<fmt>``: CSV streamed, XLSX from disk.

    :param rows: called with a session of the export's own (CSV) or None (XLSX, written
        within the request, through the request's session); returns the rows.
    """
    slots = _slots()
    if not slots.acquire(blocking=False):
        return busy()
    streaming = False
    try:
        with unit_of_work() as session:
            record(session, "export", table, details={"format": fmt, **details})
        mimetype, extension = FORMATS[fmt]
        filename = f"{name}.{extension}"
        if fmt == "xlsx":
            handle = xlsx_file([str(h) for h in header], rows(None), name)
            return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=filename)
        own = Session(db.engine)
        response = Response(
            _each_in_context(csv_chunks([str(h) for h in header], rows(own))),
            mimetype=mimetype,
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )
        streaming = True
    finally:
        if not streaming:
            slots.release()
    db.session.close()  # the request's transaction ends here, not when the client has read all

    def finished() -> None:
        own.close()
        slots.release()

    response.call_on_close(finished)
    return response


# --------------------------------------------------------------------------- model lists


def described(filters) -> list[dict]:
    """A list's active filters (FAB ``Filters``) as the API's rison filters spell them (a
    screen's query string gives each value as a list)."""
    return [
        {
            "col": flt.column_name,
            "opr": flt.arg_name,
            "value": value[0] if isinstance(value, list) and len(value) == 1 else value,
        }
        for flt, value in filters.get_filters_values()
    ]


def maskers(columns: Iterable[str], personal_fields: Iterable[str]) -> dict[str, Callable]:
    """The masking function of each personal column (``phone``, ``owner.phone``…)."""
    personal = set(personal_fields)
    return {c: MASKERS[c.rsplit(".", 1)[-1]] for c in columns if c in personal}


def sql_ordered(model, columns: Iterable[str]) -> list[str]:
    """Those of a list's order ``columns`` a query can order by: FAB also offers a model's
    Python properties (a task's ``phone``, its owner's), which answered 500."""
    return [c for c in columns if not isinstance(getattr(model, c, None), property)]


def model_query(datamodel, filters, order: tuple[str, str], columns: list[str]):
    """The list's query without paging: ``filters`` (joined with the base filters) and
    ``order`` as the list applies them, the primary key breaking ties, and the many-to-one
    relations the columns show loaded in the same query (no query per row)."""
    order_column, order_direction = order
    query = datamodel.apply_all(
        datamodel.session.query(datamodel.obj),
        filters,
        order_column or datamodel.get_pk_name(),
        order_direction or "asc",
    )
    for root in dict.fromkeys(c.split(".", 1)[0] for c in columns):
        if datamodel.is_relation_many_to_one(root):
            query = query.options(joinedload(getattr(datamodel.obj, root)))
    return query


def _remembered(formatter: Callable) -> Callable:
    """``cell(formatter(value))``, remembered for recent codes and flags: a column holds few
    of them, and translating labels cell by cell took 40 % of a CSV export's time."""

    @lru_cache(maxsize=256, typed=True)
    def remembered(value):
        return cell(formatter(value))

    def convert(value):
        return remembered(value) if isinstance(value, str | int) else cell(formatter(value))

    return convert


def model_rows(datamodel, query, columns: list[str], cells: dict[str, Callable]) -> Iterator[list]:
    """The query's rows, ``CHUNK_ROWS`` at a time: each column's value as FAB's list reads it
    (dotted relations, methods), through ``cells[column]`` where given (a formatter, a mask)."""
    convert = [_remembered(cells[c]) if c in cells else cell for c in columns]
    for item in query.yield_per(CHUNK_ROWS):
        values = datamodel.get_values_item(item, columns)
        yield [f(v) for f, v in zip(convert, values, strict=True)]


def export_model(
    fmt: str,
    datamodel,
    filters,
    order: tuple[str, str],
    columns: list[str],
    header: list[str],
    cells: dict[str, Callable],
    *,
    name: str,
    details: dict,
) -> Response:
    """Export a model list (screen or API): the filtered rows in the list's order; the audit
    entry counts the rows that matched when the export started."""
    query = model_query(datamodel, filters, order, columns)
    count = query.order_by(None).count()

    def rows(own: Session | None) -> Iterator[list]:
        return model_rows(
            datamodel, query if own is None else query.with_session(own), columns, cells
        )

    return send_export(
        fmt,
        name,
        header,
        rows,
        table=datamodel.obj.__tablename__,
        details={**details, "rows": count},
    )
