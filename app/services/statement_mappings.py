"""Saved bank mappings (statement import, docs/domain.md §4): an administrator's per-bank columns,
checked field by field before they are saved, and offered to the parser before the built-in
examples (a saved one replaces a built-in one of the same name).

Services never commit; the edge owns the transaction.
"""

import json
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.statements import BANK_MAPPINGS, BankMapping
from app.domain.statements.bank import FIELDS, REQUIRED_FIELDS, TEXT_FIELDS
from app.models import BankMappingRecord
from app.services.errors import DomainError, Problems

DETECT = "detect"
LAYOUTS = ("generic", "wechat", "alipay", "bank")


def to_bank_mapping(record: BankMappingRecord) -> BankMapping:
    """The parser's mapping for a saved one (lists of headers become tuples)."""
    columns = {
        name: value if isinstance(value, str) else tuple(value)
        for name, value in (record.columns or {}).items()
    }
    return BankMapping(
        name=record.name,
        columns=columns,
        header_row=record.header_row or None,
        date_format=record.date_format or None,
    )


def bank_mappings(session: Session) -> list[BankMapping]:
    """The saved mappings (by name), then the built-in examples they do not replace."""
    saved = []
    for record in session.scalars(select(BankMappingRecord).order_by(BankMappingRecord.name)):
        try:
            saved.append(to_bank_mapping(record))
        except (ValueError, TypeError, AttributeError):
            continue  # saved before validation existed: the screen refuses such mappings now
    names = {m.name for m in saved}
    return saved + [m for m in BANK_MAPPINGS if m.name not in names]


def validate_bank_mapping(session: Session, record: BankMappingRecord) -> None:
    """Refuse a mapping the parser could not use, naming the field."""
    with session.no_autoflush:  # compare with what is stored, not with the edit
        _validate_bank_mapping(session, record)


def _validate_bank_mapping(session: Session, record: BankMappingRecord) -> None:
    problems = Problems()
    name = (record.name or "").strip()
    record.name = name
    if problems.check(
        bool(re.fullmatch(r"[a-z0-9_]{1,32}", name)),
        "name",
        _l("1–32 lower-case letters, digits or _."),
    ):
        problems.check(
            name not in (*LAYOUTS, DETECT),
            "name",
            _l("This name is a statement layout; choose another."),
        )
        taken = select(BankMappingRecord.id).where(BankMappingRecord.name == name)
        if record.id is not None:
            taken = taken.where(BankMappingRecord.id != record.id)
        problems.conflict(
            session.scalar(taken) is not None, "name", _l("This name is already used.")
        )
    if record.id is not None:
        stored = session.scalar(
            select(BankMappingRecord.name).where(BankMappingRecord.id == record.id)
        )
        problems.check(
            stored in (None, name),
            "name",
            _l("A saved mapping keeps its name: it is part of the references of its rows."),
        )
    _check_columns(problems, record.columns)
    problems.check(
        record.header_row is None or record.header_row >= 1,
        "header_row",
        _l("A row number from 1, or empty to find the header."),
    )
    if record.date_format:
        record.date_format = record.date_format.strip() or None
    if record.date_format:
        problems.check(
            "%" in record.date_format and _formats(record.date_format),
            "date_format",
            _l("A strptime format such as %(example)s.", example="%Y-%m-%d"),
        )
    problems.raise_if_any()
    try:
        to_bank_mapping(record)
    except (ValueError, TypeError) as err:
        raise DomainError(columns=_l("Not a usable bank mapping.")) from err


def _formats(fmt: str) -> bool:
    try:
        datetime(2026, 3, 2, 9, 15, 32).strftime(fmt)
    except ValueError:
        return False
    return True


def _check_columns(problems: Problems, columns) -> None:
    if not isinstance(columns, dict) or not columns:
        problems.add(
            "columns",
            _l(
                "A JSON object from our fields to the bank's headers, e.g. %(example)s.",
                example=json.dumps(
                    {"date": "交易日期", "credit": "贷方发生额", "debit": "借方发生额"},
                    ensure_ascii=False,
                ),
            ),
        )
        return
    unknown = sorted(set(columns) - set(FIELDS))
    problems.check(
        not unknown,
        "columns",
        _l(
            "Unknown fields: %(names)s. Known: %(fields)s.",
            names=", ".join(unknown),
            fields=", ".join(FIELDS),
        ),
    )
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    problems.check(not missing, "columns", _l("Required: %(names)s.", names=", ".join(missing)))

    def is_header(value) -> bool:
        return isinstance(value, str) and bool(value.strip())

    bad = sorted(
        name
        for name, value in columns.items()
        if name in FIELDS
        and not is_header(value)
        and not (
            name in TEXT_FIELDS
            and isinstance(value, list)
            and value
            and all(is_header(v) for v in value)
        )
    )
    problems.check(
        not bad,
        "columns",
        _l(
            "Give a header for %(names)s (payer_name, payer_account and remark may list several).",
            names=", ".join(bad),
        ),
    )
