"""Cutting and joining finished PDFs (pypdf): no layout, no font work, milliseconds per file.

A batch laid out as one document (``reports.render_batch``) is cut into one file per context
with ``split_pdf``: each file keeps the font subset of the whole batch, a few kilobytes more than
a file subset on its own, against ~100 ms per file for ``Batch.pdf_of`` (layout copied, fonts
subset again). ``merge_pdfs`` joins whole files in order, each keeping its own fonts.
"""

from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter


def _bytes(writer: PdfWriter) -> bytes:
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def split_pdf(pdf: bytes, parts: Iterable[range]) -> list[bytes]:
    """One PDF per page range of ``pdf`` (e.g. ``Batch.pages``)."""
    reader = PdfReader(BytesIO(pdf))
    files = []
    for pages in parts:
        writer = PdfWriter()
        for number in pages:
            writer.add_page(reader.pages[number])
        files.append(_bytes(writer))
    return files


def merge_pdfs(paths: Iterable[Path]) -> tuple[bytes, int]:
    """The PDFs at ``paths`` joined in order, and its page count."""
    writer = PdfWriter()
    for path in paths:
        writer.append(PdfReader(path))
    return _bytes(writer), len(writer.pages)
