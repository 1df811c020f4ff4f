"""Files kept under ``WUYE_FILES_DIR`` (PDFs, attachments); rows hold paths relative to it."""

import os
from pathlib import Path

from flask import current_app


def files_dir() -> Path:
    return Path(current_app.config["WUYE_FILES_DIR"]).resolve()


def stored_file(relative: str | None) -> Path | None:
    """A stored file's path; None for none, or for a path leaving the files folder."""
    if not relative:
        return None
    path = (files_dir() / relative).resolve()
    return path if path.is_relative_to(files_dir()) else None


def write_file(relative: str, data: bytes) -> None:
    """Write a file under ``WUYE_FILES_DIR`` whole or not at all (a reader never sees half)."""
    path = files_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
