"""Statement import, the matching half (docs/domain.md §4): parsed rows become payments or wait.

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
- **Matching a payment to a unit** (``statement_matching``): a unit code in the remark, within
  the communities the import may touch (the caller's, or the one it is made for:
  ``community_id``), narrowed by a community the remark names; else a remembered payer account.
  A matched row is recorded with ``record_payment`` (allocation, credit, receipt) under the
  row's method, reference, amount and time: status ``matched``. Anything else waits as
  ``unmatched`` in the cashier's queue, which shows its candidate units; ``assign_entry``
  books it and remembers the payer's account, so that account's later rows match by
  themselves.
- **Refunds reduce, never add.** Refund rows are booked after the payment rows of the file, so
  a refund finds its payment whatever the row order. A refund equal to the payment it names
  (``refund_of``; WeChat and Alipay say it) reverses that payment with ``reverse_payment``:
  status ``reversed``, the payment's entry ``refunded``. A full refund of a payment that is
  still waiting unmatched takes both out of the queue (nothing was booked). Anything else —
  a partial refund, a refund of an unknown or already reversed payment, a bank debit — waits
  with status ``refund`` for a cashier: a reversal undoes a whole payment, so a partial refund
  needs a decision (reverse and record the part kept again, or pay out credit) that no file
  can make. No refund ever creates a payment.
  A refund never reverses a payment outside the communities the import may touch.
- **Bank mappings** saved by an administrator: ``statement_mappings``.

Services never commit; the edge owns the transaction.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.rates import rate
from app.domain.statements import (
    PAYMENT,
    REFUND,
    Problem,
    StatementError,
    StatementRow,
    detect_format,
    parse_statement,
)
from app.models import Payment, StatementEntry, StatementImport
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.payments import PaymentResult, record_payment, reverse_payment
from app.services.statement_mappings import (
    BANK_MAPPINGS,
    DETECT,
    LAYOUTS,
    bank_mappings,
    validate_bank_mapping,
)
from app.services.statement_matching import (
    ASSIGNED,
    DUPLICATE,
    MATCHED,
    REFUND_WAITING,
    REFUNDED,
    REVERSED,
    STATUSES,
    UNMATCHED,
    WAITING,
    Matcher,
    candidate_units,
    chosen_community,
    entry_in_scope,
    learn_payer_account,
    unit_codes,
)

__all__ = [  # the edges import the whole of statement import from here
    "BANK_MAPPINGS",
    "DETECT",
    "LAYOUTS",
    "STATUSES",
    "WAITING",
    "ImportResult",
    "assign_entry",
    "bank_mappings",
    "candidate_units",
    "entry_in_scope",
    "import_statement",
    "unit_codes",
    "validate_bank_mapping",
]

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

    @property
    def match_rate(self) -> Decimal | None:
        """The share of the new payment rows booked automatically (None: there were none)."""
        return rate(self.matched, self.matched + self.unmatched)


# --- import --------------------------------------------------------------------------------------


def import_statement(
    session: Session,
    data: bytes,
    filename: str,
    format: str | None = None,
    actor: str = "system",
    community_id: int | str | None = None,
) -> ImportResult:
    """Import a statement file: every row matched, waiting, or a duplicate; or, when the file
    has any problem, nothing at all and the problems in the result.

    :param format: ``detect`` or None, a layout (``generic``, ``wechat``, ``alipay``, ``bank``)
        or the name of a bank mapping
    :param community_id: match the rows to this community's units only (unit codes repeat
        across communities); what waits is this community's
    :raises DomainError: naming ``community_id`` when it is not one of the caller's
    """
    matcher = Matcher(session, chosen_community(session, community_id))
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
            _book_refund(session, entry, row, matcher, actor)
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
        # unscoped: a reference is unique everywhere: a duplicate in any community is one
        select(Payment).where(
            Payment.method == method, Payment.reference == reference, Payment.kind == "payment"
        )
    )


def _book_payment(session: Session, entry: StatementEntry, matcher: Matcher, actor) -> None:
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


def _book_refund(
    session: Session, entry: StatementEntry, row: StatementRow, matcher: Matcher, actor
) -> None:
    entry.status, entry.community_id = REFUND_WAITING, matcher.chosen
    if not row.refund_of:
        return  # a bank debit or a generic refund: which payment it undoes is for a cashier
    original = session.scalar(
        # unscoped: the refunded entry by its reference; its community is checked below
        select(StatementEntry).where(
            StatementEntry.method == row.method,
            StatementEntry.reference == row.refund_of,
            StatementEntry.kind == PAYMENT,
        )
    )
    payment = _recorded_payment(session, row.method, row.refund_of)
    if payment is None:
        if (
            original is not None
            and original.status == UNMATCHED
            and original.amount == row.amount
            and (original.community_id is None or matcher.in_scope(original.community_id))
        ):
            original.status = REFUNDED  # paid and paid back before anyone booked it
            entry.status = REVERSED
        return
    if not matcher.in_scope(payment.community_id):
        return  # another community's payment: not this import's to reverse
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


# --- the cashier's queue -------------------------------------------------------------------------


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
            # unscoped: by id and locked; entry_in_scope below is its door (unknown community too)
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
