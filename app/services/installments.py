"""Installment agreements (分期/暂缓协议, docs/domain.md §8): drafts, the signed scan, the manager's
decision, and the daily scan that completes or defaults them.

``draft_installment`` (customer service) covers named overdue bills of one unit, or all of its
arrears on the agreement's date; the covered total is their balance that day (late fees accrued
to it included, as the account statement shows them). The schedule — an explicit one, or the
down payment plus N equal monthly instalments, the last taking the fen remainder — must sum to
it exactly. Refused, naming the field and writing nothing: a bill paid, cancelled, of another
unit, not yet overdue, already held by a draft or active agreement, or an overdue bill left out
while a newer one is covered (payments settle the oldest bills first, so the owner's money
would never reach the agreement).

``approve_installment`` (a manager, not the drafter, the signed scan attached) makes it active
and pauses the unit's dunning case (``PauseKind.INSTALLMENT``, replacing a weaker pause).

Paid toward an agreement: allocations to its covered bills applied since it was drafted (the
covered total is reckoned then, so a down payment made at signing counts) by payments that were
not reversed — a reversal takes the money back out. ``scan_installments`` runs first in every
dunning scan: it marks an active agreement ``completed`` (the total paid, or nothing left open
on its bills) or ``defaulted`` (an instalment unpaid more than ``grace_days`` after its due
date) and lifts its pause, so that dunning resumes that same scan; a second run of the day
changes nothing. Late fees that accrue on the bills after the agreement's date are not part of
it: they stay on the bills (docs/domain.md §5 is unchanged).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from app.clock import business_date
from app.domain import installments as rules
from app.domain.dunning import PauseKind
from app.domain.installments import Filled, Standing
from app.domain.money import ZERO, format_money
from app.files import write_file
from app.models import (
    Allocation,
    Bill,
    DunningCase,
    InstallmentAgreement,
    InstallmentBill,
    Instalment,
    Payment,
    Unit,
)
from app.models.installments import LIVE_STATUSES, InstallmentKind, InstallmentStatus
from app.models.types import BillStatus
from app.security import in_scope
from app.services.accounts import account_statement
from app.services.errors import DomainError, NotFoundError, Problems
from app.services.ledger import OPEN_STATUSES, lock_unit, parse_amount
from app.services.queries import is_id, visible_row
from app.services.settings import get_int

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": ".pdf", b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
ENDED = (InstallmentStatus.COMPLETED, InstallmentStatus.DEFAULTED)


def get_installment(session: Session, agreement_id) -> InstallmentAgreement:
    """The agreement, if the user may see it.

    :raises NotFoundError: unknown, or outside the user's communities.
    """
    return visible_row(
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
    bill = session.get(Bill, bill_id)
    if bill is None or not in_scope(bill):
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
                chosen.append(session.get(Bill, bill_id))
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
    for bill_id, number in _taken(session, [b.id for b in chosen]).items():
        problems.add(
            "bill_ids",
            _l(
                "Bill %(bill)s is already covered by agreement %(agreement)s.",
                bill=session.get(Bill, bill_id).number,
                agreement=number,
            ),
        )
    return [(bill, balance[bill.id]) for bill in chosen]


def _down_payment(problems: Problems, value) -> Decimal:
    """Optional: none, or zero, means no down payment."""
    if value in (None, "") or _zero(value):
        return ZERO
    return parse_amount(problems, "down_payment", value) or ZERO


def _zero(value) -> bool:
    try:
        return Decimal(str(value).strip()) == 0
    except ArithmeticError:
        return False


def _explicit_schedule(problems: Problems, schedule, agreed_on: date) -> list[rules.Instalment]:
    """Instalments 1..N from ``[{"due_date", "amount"}, …]``; every problem under ``schedule``."""
    if not isinstance(schedule, list) or not schedule:
        problems.add("schedule", _l("A list of instalments, each with a due date and an amount."))
        return []
    items, sub = [], Problems()
    for n, entry in enumerate(schedule, start=1):
        entry = entry if isinstance(entry, Mapping) else {}
        due = sub.day(str(n), entry.get("due_date"), _l("The due date is required."))
        amount = parse_amount(sub, str(n), entry.get("amount"))
        if due is not None and amount is not None:
            items.append(rules.Instalment(n, due, amount))
    for n, reasons in sub.messages.items():
        for why in reasons:
            problems.add("schedule", _l("Instalment %(n)s: %(why)s", n=n, why=why))
    if len(items) == len(schedule):
        _check_dates(problems, "schedule", items, agreed_on)
    return items


def _check_dates(problems: Problems, name: str, items, agreed_on: date) -> None:
    dates = [item.due_date for item in items]
    problems.check(
        dates[0] > agreed_on,
        name,
        _l("The first instalment falls due after the agreement's date (%(date)s).", date=agreed_on),
    )
    problems.check(
        all(a < b for a, b in zip(dates, dates[1:], strict=False)),
        name,
        _l("Each instalment falls due after the one before."),
    )


@dataclass(frozen=True)
class Plan:
    """What a draft asks for, checked: an explicit schedule (instalments 1..N), or ``count``
    monthly instalments from ``first_due``."""

    agreed_on: date
    down_payment: Decimal
    explicit: list[rules.Instalment] | None
    count: int = 0
    first_due: date | None = None


def _count(problems: Problems, count) -> int | None:
    ok = is_id(count) or (isinstance(count, str) and count.strip().isdigit())
    if ok and 1 <= int(count) <= rules.MAX_INSTALMENTS:
        return int(count)
    problems.add(
        "instalments",
        _l(
            "Give a number of instalments from 1 to %(max)d, or the schedule.",
            max=rules.MAX_INSTALMENTS,
        ),
    )
    return None


def _plan(
    problems: Problems, kind, agreed_on: date, down_payment, count, first_due, schedule
) -> Plan | None:
    problems.check(
        kind in {k.value for k in InstallmentKind},
        "kind",
        _l("Choose one of: %(values)s.", values=", ".join(k.value for k in InstallmentKind)),
    )
    down = _down_payment(problems, down_payment)
    deferral = kind == InstallmentKind.DEFERRAL
    problems.check(
        not deferral or down == 0,
        "down_payment",
        _l("A deferral has no down payment: the whole amount is paid later."),
    )
    if schedule not in (None, "", []):
        problems.check(
            count in (None, "") and first_due in (None, ""),
            "schedule",
            _l("Give either the schedule or the number of instalments, not both."),
        )
        items = _explicit_schedule(problems, schedule, agreed_on)
        number, plan = len(items), Plan(agreed_on, down, items)
    else:
        number = _count(problems, count)
        first = problems.day("first_due", first_due, _l("The first due date is required."))
        if first is not None:
            _check_dates(problems, "first_due", [rules.Instalment(1, first, ZERO)], agreed_on)
        plan = Plan(agreed_on, down, None, number or 0, first)
    problems.check(
        not deferral or number in (None, 1),
        "instalments",
        _l("A deferral is one instalment at a later date."),
    )
    return None if problems.messages else plan


def _schedule(problems: Problems, plan: Plan, total: Decimal) -> list[rules.Instalment]:
    """The whole schedule (down payment first) for ``total``; refused unless it sums exactly."""
    if not problems.check(
        plan.down_payment < total,
        "down_payment",
        _l(
            "The down payment must be less than the covered total (¥%(total)s).",
            total=format_money(total),
        ),
    ):
        return []
    if plan.explicit is None:
        schedule = rules.monthly_schedule(
            total, plan.down_payment, plan.count, plan.first_due, plan.agreed_on
        )
        problems.check(
            all(item.amount > 0 for item in schedule),
            "instalments",
            _l("Too many instalments for ¥%(amount)s.", amount=format_money(total)),
        )
        return schedule
    down = rules.Instalment(rules.DOWN_PAYMENT, plan.agreed_on, plan.down_payment)
    schedule = [down, *plan.explicit] if plan.down_payment > 0 else plan.explicit
    added = rules.schedule_total(schedule)
    problems.check(
        added == total,
        "schedule",
        _l(
            "The down payment and the instalments add up to ¥%(sum)s; they must add up to "
            "the covered total, ¥%(total)s, exactly.",
            sum=format_money(added),
            total=format_money(total),
        ),
    )
    return schedule


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
    unit = session.get(Unit, unit_id) if is_id(unit_id) else None
    if unit is None or not in_scope(unit):
        raise NotFoundError(unit_id=_l("Unknown unit."))
    problems = Problems()
    day = problems.day("agreed_on", agreed_on) or business_date()
    plan = _plan(problems, kind, day, down_payment, count, first_due, schedule)
    unit = lock_unit(session, unit.id)  # one drafter at a time per unit: no bill held twice
    covered = _covered(session, problems, unit, bill_ids, day)
    problems.raise_if_any()
    total = sum((amount for _bill, amount in covered), ZERO)
    items = _schedule(problems, plan, total)
    problems.raise_if_any()
    earlier = session.scalar(
        select(func.count(InstallmentAgreement.id)).where(InstallmentAgreement.unit_id == unit.id)
    )
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


def _draft(session: Session, agreement_id) -> InstallmentAgreement:
    agreement = get_installment(session, agreement_id)
    session.refresh(agreement, with_for_update=True)  # one decision at a time (PostgreSQL)
    if agreement.status != InstallmentStatus.DRAFT:
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


def _open_cases(session: Session, unit_ids: Iterable[int]) -> dict[int, DunningCase]:
    return {
        c.unit_id: c
        for c in session.scalars(
            select(DunningCase).where(
                DunningCase.unit_id.in_(list(unit_ids)), DunningCase.closed_on.is_(None)
            )
        )
    }


def _hold(case: DunningCase | None, agreement: InstallmentAgreement) -> None:
    """Pause the unit's open case for the agreement (the strongest pause: it replaces a
    promise or a complaint hold). Without an open case the dunning scan opens none while the
    agreement is on track (``InstallmentScan.on_track``)."""
    if case is None:
        return
    if (case.pause_kind, case.paused_until, case.pause_note) != (
        PauseKind.INSTALLMENT,
        None,
        agreement.number,
    ):
        case.pause_kind = PauseKind.INSTALLMENT
        case.paused_until = None
        case.pause_note = agreement.number


def _release(case: DunningCase | None) -> None:
    """Lift the installment pause (only that one): dunning resumes."""
    if case is not None and case.pause_kind == PauseKind.INSTALLMENT:
        case.pause_kind = None
        case.paused_until = None
        case.pause_note = ""


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
    _hold(_open_cases(session, [agreement.unit_id]).get(agreement.unit_id), agreement)
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


# --- Progress and the daily scan -------------------------------------------------------------


def paid_toward(session: Session, agreement_ids: Iterable[int]) -> dict[int, Decimal]:
    """Money paid toward each agreement (see the module docstring)."""
    ids = list(agreement_ids)
    reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
    rows = session.execute(
        select(
            InstallmentBill.agreement_id,
            func.sum(Allocation.principal + Allocation.late_fee),
        )
        .join(InstallmentAgreement, InstallmentAgreement.id == InstallmentBill.agreement_id)
        .join(Allocation, Allocation.bill_id == InstallmentBill.bill_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(
            InstallmentBill.agreement_id.in_(ids),
            Payment.kind == "payment",
            Payment.id.not_in(reversed_ids),
            Allocation.applied_at >= InstallmentAgreement.drafted_at,
        )
        .group_by(InstallmentBill.agreement_id)
    )
    paid = {agreement_id: ZERO for agreement_id in ids}
    paid.update({agreement_id: Decimal(amount) for agreement_id, amount in rows})
    return paid


def _schedule_of(agreement: InstallmentAgreement) -> list[rules.Instalment]:
    return [rules.Instalment(i.seq, i.due_date, i.amount) for i in agreement.instalments]


def _cleared(agreement: InstallmentAgreement) -> bool:
    """Nothing is left to pay on the covered bills (paid, waived or cancelled)."""
    return all(link.bill.status not in OPEN_STATUSES for link in agreement.bills)


@dataclass(frozen=True)
class Progress:
    """An agreement's instalments with what has been paid of each, on a day."""

    paid: Decimal
    instalments: list[Filled]
    standing: Standing
    on: date

    @property
    def outstanding(self) -> Decimal:
        return sum((item.outstanding for item in self.instalments), ZERO)


def installment_progress(
    session: Session, agreement: InstallmentAgreement, on: date | None = None
) -> Progress:
    """How the agreement stands on ``on`` (default today); a draft's payments count too. An
    agreement the scan ended stands as it ended: a default is not undone by a later payment."""
    on = on or business_date()
    paid = paid_toward(session, [agreement.id])[agreement.id]
    schedule = _schedule_of(agreement)
    if _cleared(agreement):
        paid = max(paid, rules.schedule_total(schedule))
    if agreement.status in ENDED:
        standing = Standing(agreement.status)
    else:
        standing = rules.standing(schedule, paid, on, agreement.grace_days)
    return Progress(paid, rules.fill(schedule, paid), standing, on)


@dataclass
class InstallmentScan:
    as_of: date
    completed: list[int] = field(default_factory=list)  # agreement ids
    defaulted: list[int] = field(default_factory=list)
    on_track: set[int] = field(default_factory=set)  # units whose dunning stays paused


def scan_installments(session: Session, as_of: date) -> InstallmentScan:
    """Complete or default the active agreements on ``as_of`` and lift their pause; keep the
    pause on the cases of those on track (a case opened since approval gets it too).
    Called first by ``scan_dunning``; a second run of the day changes nothing."""
    result = InstallmentScan(as_of)
    active = session.scalars(
        select(InstallmentAgreement)
        .where(InstallmentAgreement.status == InstallmentStatus.ACTIVE)
        .options(
            selectinload(InstallmentAgreement.instalments),
            selectinload(InstallmentAgreement.bills).selectinload(InstallmentBill.bill),
        )
        .order_by(InstallmentAgreement.id)
    ).all()
    paid = paid_toward(session, [a.id for a in active])
    cases = _open_cases(session, {a.unit_id for a in active})
    for agreement in active:
        schedule = _schedule_of(agreement)
        standing = (
            Standing.COMPLETED
            if _cleared(agreement)
            else rules.standing(schedule, paid[agreement.id], as_of, agreement.grace_days)
        )
        case_ = cases.get(agreement.unit_id)
        if standing == Standing.ON_TRACK:
            _hold(case_, agreement)
            result.on_track.add(agreement.unit_id)
            continue
        agreement.status = standing.value
        agreement.ended_on = as_of
        _release(case_)
        (result.completed if standing == Standing.COMPLETED else result.defaulted).append(
            agreement.id
        )
    session.flush()
    return result


def installment_counts(
    session: Session, as_of: date, community_ids: set[int] | None = None
) -> dict[str, int]:
    """Agreements per status as they stood on ``as_of`` (agreed on or before it; one that
    ended later was still active then); every status is present. ``community_ids`` None: all
    communities."""
    ended_later = and_(
        InstallmentAgreement.status.in_(ENDED), InstallmentAgreement.ended_on > as_of
    )
    status = case((ended_later, InstallmentStatus.ACTIVE.value), else_=InstallmentAgreement.status)
    query = (
        select(status, func.count(InstallmentAgreement.id))
        .where(InstallmentAgreement.agreed_on <= as_of)
        .group_by(status)
    )
    if community_ids is not None:
        query = query.where(InstallmentAgreement.community_id.in_(community_ids))
    counts = {s.value: 0 for s in InstallmentStatus}
    counts.update(dict(session.execute(query).all()))
    return counts
