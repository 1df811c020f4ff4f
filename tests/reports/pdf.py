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


def _info(pdf: bytes) -> dict[str, str]:
    lines = _run("pdfinfo", pdf).splitlines()
    return {
        key: value.strip() for key, value in (line.split(":", 1) for line in lines if ":" in line)
    }


def page_count(pdf: bytes) -> int:
    return int(_info(pdf)["Pages"])


def page_size_mm(pdf: bytes) -> tuple[int, int]:
    """The first page's width and height, in whole millimetres (``pdfinfo`` gives points)."""
    width, _x, height, *_ = _info(pdf)["Page size"].split()
    return round(float(width) * 25.4 / 72), round(float(height) * 25.4 / 72)


def fonts(pdf: bytes) -> list[dict]:
    """One row of ``pdffonts`` per font: name, emb(edded) and sub(set) as booleans."""
    rows = _run("pdffonts", pdf).splitlines()[2:]  # two header lines
    fonts = []
    for row in rows:
        name, *_, emb, sub, _uni, _obj, _gen = row.split()
        fonts.append({"name": name, "embedded": emb == "yes", "subset": sub == "yes"})
    return fonts
