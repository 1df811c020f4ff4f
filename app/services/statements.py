"""Statement import, the matching half (domain §4): parsed rows become payments or wait.

``import_statement`` parses a file (``app.domain.statements``), keeps each money movement once
as a ``StatementEntry`` (unique per method and reference) and books it:

- **All or nothing.** A file with any bad row imports nothing: the parser reports every
  problem with its row and column, and the result carries them. A half-imported statement is
  hard to reconcile (which rows are in, which are not, and why the totals differ from the
  bank's); the cashier fixes the file or the bank mapping and imports it again, which is safe
  because a re-import is idempotent.
- **Duplicates.** A row whose (method, reference) is already an entry is a duplicate and
  changes nothing, so importing the same file (or an overlapping one) twice creates no entry,
  payment or receipt. A payment row whose reference was already recorded as a payment (at the
  till, say) becomes an entry with status ``duplicate`` linked to that payment: never a second
  payment, never an error.
- **Matching a payment to a unit.** (a) The remark: every code such as ``3-2-101`` in it
  (full-width digits and dashes read too) that is a unit of a community the import may touch
  (the caller's communities; every community for the CLI and jobs). It must point at exactly
  one unit. When it points at several (the same code in two communities, or two codes), the
  payer account decides if its remembered unit is one of them; otherwise the row waits, with
  its community set only when all those units lie in one community. (b) No code in the
  remark: a remembered ``PayerAccount`` in scope. A remark naming a unit wins over the
  account, since one payer may pay for several units. A masked account (``138****5678``, as
  Alipay shows it) is never used or remembered: many payers share one mask.
  A matched row is recorded with ``record_payment`` (allocation, credit, receipt) under the
  row's method, reference, amount and time: status ``matched``. Anything else waits as
  ``unmatched`` in the cashier's queue; ``assign_entry`` books it and remembers the payer's
  account, so that account's later rows match by themselves.
- **Refunds reduce, never add.** Refund rows are booked after the payment rows of the file, so
  a refund finds its payment whatever the row order. A refund equal to the payment it names
  (``refund_of``; WeChat and Alipay say it) reverses that payment with ``reverse_payment``:
  status ``reversed``, the payment's entry ``refunded``. A full refund of a payment that is
  still waiting unmatched takes both out of the queue (nothing was booked). Anything else —
  a partial refund, a refund of an unknown or already reversed payment, a bank debit — waits
  with status ``refund`` for a cashier: a reversal undoes a whole payment, so a partial refund
  needs a decision (reverse and record the part kept again, or pay out credit) that no file
  can make. No refund ever creates a payment.
- **Bank mappings** saved by an administrator (``BankMappingRecord``) are offered to the parser
  before the built-in examples (a saved one replaces a built-in one of the same name).

Services never commit; the edge owns the transaction.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.statements import (
    BANK_MAPPINGS,
    PAYMENT,
    REFUND,
    BankMapping,
    Problem,
    StatementError,
    StatementRow,
    detect_format,
    parse_statement,
)
from app.domain.statements.bank import FIELDS, REQUIRED_FIELDS, TEXT_FIELDS
from app.models import (
    BankMappingRecord,
    Building,
    PayerAccount,
    Payment,
    StatementEntry,
    StatementImport,
    Unit,
)
from app.security import visible_community_ids
from app.services.errors import ConflictError, DomainError, NotFoundError, Problems
from app.services.payments import PaymentResult, record_payment, reverse_payment

DETECT = "detect"
LAYOUTS = ("generic", "wechat", "alipay", "bank")

# Entry statuses.
MATCHED = "matched"  # a payment, recorded automatically
ASSIGNED = "assigned"  # a payment, recorded by a cashier from the queue
UNMATCHED = "unmatched"  # a payment waiting for a cashier
REFUND_WAITING = "refund"  # a refund waiting for a cashier
REVERSED = "reversed"  # a refund that reversed its payment (or cancelled its waiting entry)
REFUNDED = "refunded"  # a payment entry refunded in full
DUPLICATE = "duplicate"  # a payment already recorded under the same reference
STATUSES = (MATCHED, ASSIGNED, UNMATCHED, REFUND_WAITING, REVERSED, REFUNDED, DUPLICATE)
WAITING = (UNMATCHED, REFUND_WAITING)  # the cashier's queue

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣"})
_UNIT_CODE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![A-Za-z0-9-])")
_LOOKUP_CHUNK = 500


@dataclass
class ImportResult:
    """What an import did. ``problems`` non-empty means nothing was written."""

    import_id: int | None
    format: str | None
    rows: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    refunds: int = 0
    reversed: int = 0  # of the refunds, those that reversed a payment
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return len(self.problems)


# --- bank mappings -------------------------------------------------------------------------------


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


# --- import --------------------------------------------------------------------------------------


def import_statement(
    session: Session,
    data: bytes,
    filename: str,
    format: str | None = None,
    actor: str = "system",
) -> ImportResult:
    """Import a statement file: every row matched, waiting, or a duplicate; or, when the file
    has any problem, nothing at all and the problems in the result.

    :param format: ``detect`` or None, a layout (``generic``, ``wechat``, ``alipay``, ``bank``)
        or the name of a bank mapping
    """
    mappings = bank_mappings(session)
    fmt = None if format in (None, "", DETECT) else format
    try:
        if fmt is None:
            fmt = detect_format(data, mappings)
        rows = parse_statement(data, fmt, mappings=mappings)
    except StatementError as err:
        return ImportResult(None, fmt, problems=list(err.problems))
    record = StatementImport(
        filename=(filename or "")[:200],
        format=fmt[:32],
        sha256=hashlib.sha256(data).hexdigest(),
        imported_at=datetime.now(UTC),
        imported_by=actor,
        rows=len(rows),
    )
    session.add(record)
    session.flush()
    result = ImportResult(record.id, fmt, rows=len(rows))
    known = _known_references(session, rows)
    matcher = _Matcher(session)
    # payments first: a refund then finds its payment whatever the order of the file
    for row in sorted(rows, key=lambda r: (r.kind != PAYMENT, r.row)):
        if (row.method, row.reference) in known:
            result.duplicates += 1
            continue
        entry = StatementEntry(
            statement=record,
            row=row.row,
            method=row.method,
            reference=row.reference,
            kind=row.kind,
            paid_at=row.paid_at,
            amount=row.amount,
            payer_name=row.payer_name[:100],
            payer_account=row.payer_account[:100],
            remark=row.remark[:300],
            status=UNMATCHED,
        )
        session.add(entry)
        session.flush()  # before any savepoint: a rolled-back one must not take the entry
        if row.kind == REFUND:
            _book_refund(session, entry, row, actor)
            result.refunds += 1
            result.reversed += entry.status == REVERSED
        else:
            _book_payment(session, entry, matcher, actor)
            if entry.status == MATCHED:
                result.matched += 1
            elif entry.status == DUPLICATE:
                result.duplicates += 1
            else:
                result.unmatched += 1
        session.flush()
    record.matched, record.unmatched = result.matched, result.unmatched
    record.duplicates, record.refunds = result.duplicates, result.refunds
    session.flush()
    return result


def _known_references(session: Session, rows: list[StatementRow]) -> set[tuple[str, str]]:
    """The (method, reference) pairs of ``rows`` already imported."""
    known: set[tuple[str, str]] = set()
    by_method: dict[str, list[str]] = {}
    for row in rows:
        by_method.setdefault(row.method, []).append(row.reference)
    for method, references in by_method.items():
        for i in range(0, len(references), _LOOKUP_CHUNK):
            chunk = references[i : i + _LOOKUP_CHUNK]
            known |= {
                (method, ref)
                for ref in session.scalars(
                    select(StatementEntry.reference).where(
                        StatementEntry.method == method, StatementEntry.reference.in_(chunk)
                    )
                )
            }
    return known


def _recorded_payment(session: Session, method: str, reference: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(
            Payment.method == method, Payment.reference == reference, Payment.kind == "payment"
        )
    )


def _book_payment(session: Session, entry: StatementEntry, matcher: "_Matcher", actor) -> None:
    existing = _recorded_payment(session, entry.method, entry.reference)
    if existing is not None:
        _link(entry, DUPLICATE, existing)
        return
    unit_id, community_id = matcher.unit_for(entry.remark, entry.payer_account)
    entry.community_id = community_id
    if unit_id is None:
        return
    try:
        with session.begin_nested():
            result = record_payment(
                session,
                unit_id,
                entry.amount,
                entry.method,
                entry.reference,
                entry.paid_at,
                actor=actor,
            )
    except ConflictError:  # recorded meanwhile by someone else
        existing = _recorded_payment(session, entry.method, entry.reference)
        if existing is not None:
            _link(entry, DUPLICATE, existing)
        return
    except DomainError:
        return  # not bookable automatically: the cashier sees it in the queue
    _link(entry, MATCHED, result.payment)


def _link(entry: StatementEntry, status: str, payment: Payment) -> None:
    entry.status = status
    entry.payment_id = payment.id
    entry.unit_id = payment.unit_id
    entry.community_id = payment.community_id


def _reversed(session: Session, payment: Payment) -> bool:
    return session.scalar(select(Payment.id).where(Payment.reverses_id == payment.id)) is not None


def _book_refund(session: Session, entry: StatementEntry, row: StatementRow, actor) -> None:
    entry.status = REFUND_WAITING
    if not row.refund_of:
        return  # a bank debit or a generic refund: which payment it undoes is for a cashier
    original = session.scalar(
        select(StatementEntry).where(
            StatementEntry.method == row.method,
            StatementEntry.reference == row.refund_of,
            StatementEntry.kind == PAYMENT,
        )
    )
    payment = _recorded_payment(session, row.method, row.refund_of)
    if payment is None:
        if original is not None and original.status == UNMATCHED and original.amount == row.amount:
            original.status = REFUNDED  # paid and paid back before anyone booked it
            entry.status = REVERSED
        return
    entry.unit_id, entry.community_id = payment.unit_id, payment.community_id
    if payment.amount != row.amount or _reversed(session, payment):
        return
    try:
        with session.begin_nested():
            reversal = reverse_payment(
                session,
                payment.id,
                str(_l("Refunded: %(reference)s", reference=row.reference))[:200],
                actor=actor,
            )
    except DomainError:
        return
    entry.status, entry.payment_id = REVERSED, reversal.id
    if original is not None:
        original.status = REFUNDED


# --- matching ------------------------------------------------------------------------------------


def unit_codes(remark: str) -> list[str]:
    """The unit-code-like tokens of a remark (``3-2-101``), full-width forms read as ASCII."""
    text = unicodedata.normalize("NFKC", remark or "").translate(_DASHES)
    return list(dict.fromkeys(_UNIT_CODE.findall(text)))


def is_masked(account: str) -> bool:
    return "*" in account


class _Matcher:
    """Finds the unit of a payment row within the communities the import may touch."""

    def __init__(self, session: Session):
        self.session = session
        self.ids = visible_community_ids()

    def _in_scope(self, community_id) -> bool:
        return self.ids is None or community_id in self.ids

    def _units(self, codes: list[str]) -> list[tuple[int, int]]:
        if not codes:
            return []
        query = (
            select(Unit.id, Building.community_id)
            .join(Building, Unit.building_id == Building.id)
            .where(Unit.code.in_(codes))
        )
        if self.ids is not None:
            query = query.where(Building.community_id.in_(self.ids))
        return [(unit_id, community_id) for unit_id, community_id in self.session.execute(query)]

    def _account_unit(self, account: str) -> tuple[int, int] | None:
        if not account or is_masked(account):
            return None
        known = self.session.scalar(select(PayerAccount).where(PayerAccount.account == account))
        if known is None or not self._in_scope(known.community_id):
            return None
        return known.unit_id, known.community_id

    def unit_for(self, remark: str, account: str) -> tuple[int | None, int | None]:
        """(unit id, community id) of the payment; unit None when it must wait (the community
        then only when the hints agree on one)."""
        candidates = self._units(unit_codes(remark))
        if len(candidates) == 1:
            return candidates[0]
        by_account = self._account_unit(account)
        if not candidates:
            return by_account if by_account else (None, None)
        if by_account in candidates:
            return by_account
        communities = {community_id for _, community_id in candidates}
        return None, (communities.pop() if len(communities) == 1 else None)


# --- the cashier's queue -------------------------------------------------------------------------


def entry_in_scope(entry: StatementEntry) -> bool:
    """Whether the current user may see ``entry``: its community is theirs, or unknown."""
    ids = visible_community_ids()
    return ids is None or entry.community_id is None or entry.community_id in ids


def learn_payer_account(session: Session, account: str, unit: Unit) -> PayerAccount | None:
    """Remember that ``account`` pays for ``unit`` (the latest assignment wins, within the
    caller's communities); masked or empty accounts are not remembered."""
    account = (account or "").strip()
    if not account or is_masked(account):
        return None
    community_id = unit.building.community_id
    known = session.scalar(select(PayerAccount).where(PayerAccount.account == account))
    now = datetime.now(UTC)
    if known is None:
        known = PayerAccount(
            account=account, community_id=community_id, unit_id=unit.id, learned_at=now
        )
        session.add(known)
    elif known.unit_id != unit.id:
        ids = visible_community_ids()
        if ids is not None and known.community_id not in ids:
            return None  # another community's knowledge: not ours to overwrite
        known.unit_id, known.community_id, known.learned_at = unit.id, community_id, now
    session.flush()
    return known


def assign_entry(
    session: Session,
    entry_id,
    unit_id,
    actor: str = "system",
    remember_account: bool = True,
) -> PaymentResult:
    """A cashier books a waiting payment entry for a unit: a payment (allocation, receipt)
    under the entry's method, reference, amount and time; status ``assigned``. The payer's
    account is remembered (``remember_account=True``) so that its later rows match by
    themselves."""
    entry = None
    if isinstance(entry_id, int) and not isinstance(entry_id, bool):
        entry = session.scalar(
            select(StatementEntry).where(StatementEntry.id == entry_id).with_for_update()
        )
    if entry is None or not entry_in_scope(entry):
        raise NotFoundError(entry_id=_l("Unknown statement entry."))
    if entry.kind != PAYMENT:
        raise DomainError(
            entry_id=_l("A refund is never recorded as a payment: reverse the payment it refunds.")
        )
    if entry.status != UNMATCHED:
        raise ConflictError(entry_id=_l("This entry is already booked."))
    result = record_payment(
        session, unit_id, entry.amount, entry.method, entry.reference, entry.paid_at, actor=actor
    )
    _link(entry, ASSIGNED, result.payment)
    if remember_account:
        learn_payer_account(session, entry.payer_account, result.payment.unit)
    session.flush()
    return result
