"""Installment agreements (分期/暂缓协议, docs/domain.md §8): drafts, the signed scan and the
manager's decision.

``draft_installment`` (customer service) covers named overdue bills of one unit, or all of its
arrears on the agreement's date; the covered total is their balance that day (late fees accrued
to it included, as the account statement shows them). The schedule — an explicit one, or the
down payment plus N equal monthly instalments, the last taking the fen remainder — must sum to
it exactly (``app.services.installment_schedule``). Refused, naming the field and writing
nothing: a bill paid, cancelled, of another unit, not yet overdue, already held by a draft or
active agreement, or an overdue bill left out while a newer one is covered (payments settle the
oldest bills first, so the owner's money would never reach the agreement).

``approve_installment`` (a manager, not the drafter, the signed scan attached) makes it active
and pauses the unit's dunning case (``PauseKind.INSTALLMENT``, replacing a weaker pause).

The daily scan that completes or defaults an active agreement:
``app.services.installment_tracking``; its progress and the counts per status:
``app.services.installment_figures``.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.money import ZERO
from app.files import write_file
from app.models import Bill, InstallmentAgreement, InstallmentBill, Instalment, Unit
from app.models.installments import LIVE_STATUSES, InstallmentKind, InstallmentStatus
from app.models.types import BillStatus
from app.services.accounts import account_statement
from app.services.errors import DomainError, Problems
from app.services.installment_schedule import plan_of, schedule_for
from app.services.installment_tracking import hold, open_cases
from app.services.ledger import OPEN_STATUSES, lock_unit
from app.services.queries import is_id
from app.services.rows import find_row, visible_or_none
from app.services.settings import get_int

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": ".pdf", b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


def get_installment(session: Session, agreement_id) -> InstallmentAgreement:
    """The agreement, if the user may see it.

    :raises NotFoundError: unknown, or outside the user's communities.
    """
    return find_row(
        session,
        InstallmentAgreement,
        agreement_id if is_id(agreement_id) else None,
        agreement_id=_l("Unknown installment agreement."),
    )


# --- Drafting --------------------------------------------------------------------------------


def _taken(session: Session, bill_ids: Iterable[int]) -> dict[int, str]:
    """Bills held by a draft or active agreement: bill id -> the agreement's number."""
    rows = session.execute(
        select(InstallmentBill.bill_id, InstallmentAgreement.number)
        .join(InstallmentAgreement, InstallmentAgreement.id == InstallmentBill.agreement_id)
        .where(
            InstallmentBill.bill_id.in_(list(bill_ids)),
            InstallmentAgreement.status.in_(LIVE_STATUSES),
        )
    )
    return dict(rows.all())


def _bill_problem(session: Session, bill_id: int, unit: Unit, agreed_on: date, balance: Decimal):
    """Why bill ``bill_id`` cannot be covered, or None."""
    bill = visible_or_none(session, Bill, bill_id)
    if bill is None:
        return _l("Unknown bill %(id)s.", id=bill_id)
    number = bill.number
    if bill.unit_id != unit.id:
        return _l("Bill %(number)s is not a bill of unit %(unit)s.", number=number, unit=unit.code)
    if bill.status == BillStatus.PAID or (bill.status in OPEN_STATUSES and balance <= 0):
        return _l("Bill %(number)s is already paid.", number=number)
    if bill.status not in OPEN_STATUSES:
        status = BillStatus(bill.status).label
        return _l("Bill %(number)s is not open (%(status)s).", number=number, status=status)
    if bill.due_date >= agreed_on:
        return _l(
            "Bill %(number)s is not overdue on %(date)s (due %(due)s).",
            number=number,
            date=agreed_on.isoformat(),
            due=bill.due_date.isoformat(),
        )
    return None


def _covered(
    session: Session, problems: Problems, unit: Unit, bill_ids, agreed_on: date
) -> list[tuple[Bill, Decimal]]:
    """The bills to cover with their balance on ``agreed_on``, oldest first (see the module
    docstring for what is refused)."""
    statement = account_statement(session, unit.id, agreed_on)
    balance = {line.bill_id: line.balance for line in statement.lines}
    overdue = [
        bill
        for bill in session.scalars(
            # unscoped: the bills of the unit found through the door
            select(Bill)
            .where(
                Bill.unit_id == unit.id,
                Bill.status.in_(OPEN_STATUSES),
                Bill.due_date < agreed_on,
            )
            .order_by(Bill.due_date, Bill.id)
        )
        if balance.get(bill.id, ZERO) > 0
    ]
    if not bill_ids:
        chosen = overdue
        problems.check(
            bool(chosen),
            "bill_ids",
            _l("Unit %(unit)s has no overdue bill on %(date)s.", unit=unit.code, date=agreed_on),
        )
    elif not isinstance(bill_ids, list) or not all(is_id(i) for i in bill_ids):
        problems.add("bill_ids", _l("A list of bill ids."))
        return []
    else:
        chosen = []
        for bill_id in dict.fromkeys(bill_ids):
            why = _bill_problem(session, bill_id, unit, agreed_on, balance.get(bill_id, ZERO))
            if problems.check(why is None, "bill_ids", why):
                found = session.get(Bill, bill_id)  # unscoped: checked just above
                assert found is not None  # else _bill_problem named it
                chosen.append(found)
        chosen.sort(key=lambda b: (b.due_date, b.id))
        if chosen:
            newest = (chosen[-1].due_date, chosen[-1].id)
            for bill in overdue:
                problems.check(
                    bill in chosen or (bill.due_date, bill.id) > newest,
                    "bill_ids",
                    _l(
                        "Bill %(number)s (due %(due)s) is overdue too and older than a covered "
                        "bill: payments settle the oldest bills first, so the agreement must "
                        "cover it as well.",
                        number=bill.number,
                        due=bill.due_date.isoformat(),
                    ),
                )
    numbers = {b.id: b.number for b in chosen}
    for bill_id, number in _taken(session, numbers).items():
        problems.add(
            "bill_ids",
            _l(
                "Bill %(bill)s is already covered by agreement %(agreement)s.",
                bill=numbers[bill_id],
                agreement=number,
            ),
        )
    return [(bill, balance[bill.id]) for bill in chosen]


def draft_installment(
    session: Session,
    unit_id,
    bill_ids: list[int] | None = None,
    *,
    kind: str = InstallmentKind.INSTALLMENT,
    agreed_on=None,
    down_payment=None,
    count=None,
    first_due=None,
    schedule=None,
    actor: str = "system",
) -> InstallmentAgreement:
    """Draft an agreement for ``unit_id`` covering ``bill_ids`` (none: every bill overdue on
    ``agreed_on``, default today), with the ``down_payment`` (optional, due on ``agreed_on``)
    and either ``count`` equal monthly instalments from ``first_due`` or an explicit
    ``schedule`` of ``{"due_date", "amount"}`` (instalments 1..N).

    :raises NotFoundError: for a unit the user may not see.
    :raises DomainError: naming every bad field; nothing is written.
    """
    unit = find_row(session, Unit, unit_id, unit_id=_l("Unknown unit."))
    problems = Problems()
    day = problems.day("agreed_on", agreed_on) or business_date()
    plan = plan_of(problems, kind, day, down_payment, count, first_due, schedule)
    locked = lock_unit(session, unit.id)  # one drafter at a time per unit: no bill held twice
    assert locked is not None  # found just above
    unit = locked
    covered = _covered(session, problems, unit, bill_ids, day)
    problems.raise_if_any()
    assert plan is not None  # else raise_if_any raised
    total = sum((amount for _bill, amount in covered), ZERO)
    items = schedule_for(problems, plan, total)
    problems.raise_if_any()
    earlier = session.execute(
        select(func.count(InstallmentAgreement.id)).where(InstallmentAgreement.unit_id == unit.id)
    ).scalar_one()
    agreement = InstallmentAgreement(
        number=f"FQ{day:%Y%m%d}-{unit.id:06d}-{earlier + 1:02d}",
        community_id=unit.building.community_id,
        unit=unit,
        owner_id=covered[-1][0].owner_id,
        kind=kind,
        status=InstallmentStatus.DRAFT,
        agreed_on=day,
        all_arrears=not bill_ids,
        covered_total=total,
        grace_days=get_int(session, "installment_grace_days"),
        drafted_by=actor,
        drafted_at=datetime.now(UTC),
    )
    session.add(agreement)
    for bill, amount in covered:
        session.add(InstallmentBill(agreement=agreement, bill=bill, amount=amount))
    for item in items:
        session.add(
            Instalment(
                agreement=agreement, seq=item.seq, due_date=item.due_date, amount=item.amount
            )
        )
    session.flush()
    return agreement


# --- The signed scan and the decision --------------------------------------------------------


def next_steps(agreement: InstallmentAgreement) -> set[str]:
    """What may be done with ``agreement`` now (its page offers these): a draft takes its
    signed scan or is cancelled, and once the scan is attached is approved or rejected; nothing
    after the decision."""
    if agreement.status != InstallmentStatus.DRAFT:
        return set()
    return {"attach", "cancel", *({"approve", "reject"} if agreement.signed_scan else ())}


def _draft(session: Session, agreement_id) -> InstallmentAgreement:
    agreement = get_installment(session, agreement_id)
    session.refresh(agreement, with_for_update=True)  # one decision at a time (PostgreSQL)
    if not next_steps(agreement):
        raise DomainError(agreement_id=_l("Only a draft agreement can be changed or decided."))
    return agreement


def scan_file(agreement: InstallmentAgreement, extension: str) -> str:
    return f"installments/{agreement.number}-signed{extension}"


def attach_scan(session: Session, agreement_id, data: bytes) -> InstallmentAgreement:
    """Store the signed agreement (a PDF, JPEG or PNG scan) with a draft, replacing any
    earlier one.

    :raises DomainError: not a draft, an empty, too large or unknown kind of file.
    """
    agreement = _draft(session, agreement_id)
    problems = Problems()
    extension = next((ext for magic, ext in SCAN_TYPES.items() if data.startswith(magic)), None)
    if problems.check(bool(data), "signed_scan", _l("Choose the scanned file.")):
        problems.check(
            len(data) <= MAX_SCAN_BYTES,
            "signed_scan",
            _l("The file is larger than %(mb)d MB.", mb=MAX_SCAN_BYTES >> 20),
        )
        problems.check(extension is not None, "signed_scan", _l("A PDF, JPEG or PNG scan, please."))
    problems.raise_if_any()
    assert extension is not None  # else raise_if_any raised
    relative = scan_file(agreement, extension)
    write_file(relative, data)
    agreement.signed_scan = relative
    session.flush()
    return agreement


def _decide(agreement: InstallmentAgreement, status: str, actor: str, note: str) -> None:
    agreement.status = status
    agreement.decided_by = actor
    agreement.decided_at = datetime.now(UTC)
    agreement.decision_note = (note or "").strip() or None


def approve_installment(
    session: Session, agreement_id, actor: str, note: str = ""
) -> InstallmentAgreement:
    """A manager approves a draft whose signed scan is attached: it becomes active and the
    unit's dunning pauses while it is on track.

    :raises DomainError: not a draft, no scan, or the drafter deciding their own draft.
    """
    agreement = _draft(session, agreement_id)
    problems = Problems()
    problems.check(
        agreement.drafted_by != actor,
        "agreement_id",
        _l("Someone other than the drafter must decide."),
    )
    problems.check(
        bool(agreement.signed_scan),
        "signed_scan",
        _l("Attach the scan of the signed agreement first."),
    )
    problems.raise_if_any()
    _decide(agreement, InstallmentStatus.ACTIVE, actor, note)
    hold(open_cases(session, [agreement.unit_id]).get(agreement.unit_id), agreement)
    session.flush()
    return agreement


def _closing(session: Session, agreement_id, status: str, actor: str, note: str):
    agreement = _draft(session, agreement_id)
    problems = Problems()
    problems.check(
        status != InstallmentStatus.REJECTED or agreement.drafted_by != actor,
        "agreement_id",
        _l("Someone other than the drafter must decide."),
    )
    problems.check(bool((note or "").strip()), "decision_note", _l("Say why."))
    problems.check(len((note or "").strip()) <= 300, "decision_note", _l("At most 300 characters."))
    problems.raise_if_any()
    _decide(agreement, status, actor, note)
    session.flush()
    return agreement


def reject_installment(
    session: Session, agreement_id, actor: str, note: str
) -> InstallmentAgreement:
    """A manager rejects a draft, saying why; its bills are free for another draft."""
    return _closing(session, agreement_id, InstallmentStatus.REJECTED, actor, note)


def cancel_installment(
    session: Session, agreement_id, actor: str, note: str
) -> InstallmentAgreement:
    """Customer service withdraws a draft (the owner did not sign, the plan changed)."""
    return _closing(session, agreement_id, InstallmentStatus.CANCELLED, actor, note)
