"""Reading PDFs back with poppler-utils: text, page count, fonts."""

import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def text(pdf: bytes) -> str:
    """The text, in reading order, with each page's layout kept."""
    return _run("pdftotext", pdf, "-layout", "-enc", "UTF-8")


def page_count(pdf: bytes) -> int:
    info = dict(line.split(":", 1) for line in _run("pdfinfo", pdf).splitlines() if ":" in line)
    return int(info["Pages"])


def fonts(pdf: bytes) -> list[dict]:
    """One row of ``pdffonts`` per font: name, emb(edded) and sub(set) as booleans."""
    rows = _run("pdffonts", pdf).splitlines()[2:]  # two header lines
    fonts = []
    for row in rows:
        name, *_, emb, sub, _uni, _obj, _gen = row.split()
        fonts.append({"name": name, "embedded": emb == "yes", "subset": sub == "yes"})
    return fonts
