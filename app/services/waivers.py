"""Waivers and reductions (减免, docs/domain.md §5): requested by customer service, effective only
when a manager approves; the approver is never the requester.

A principal waiver lowers what the owner owes (and what late fees accrue on); a late-fee waiver
lowers the late fee. Both are checked against what is still outstanding when requested and
again when approved, so two waivers can never take a bill below zero.
"""

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.money import ZERO
from app.models import Bill, Waiver
from app.models.types import BillStatus, WaiverReason
from app.services.errors import DomainError, NotFoundError, Problems
from app.services.ledger import accrued_late_fee, allocated_to, parse_amount, refresh_bill
from app.services.rows import find_row

PARTS = ("principal", "late_fee")


def waivable(session: Session, bill: Bill, part: str) -> Decimal:
    """How much of ``part`` of ``bill`` is still owed and so may be waived today."""
    principal_paid, fee_paid = allocated_to(session, bill)
    principal_due = bill.total - bill.waived - principal_paid
    if part == "principal":
        return max(principal_due, ZERO)
    fee = bill.late_fee if principal_due <= 0 else accrued_late_fee(session, bill, business_date())
    return max(fee - fee_paid - bill.late_fee_waived, ZERO)


def _bill(session: Session, bill_id) -> Bill:
    bill = find_row(session, Bill, bill_id, bill_id=_l("Unknown bill."))
    if bill.status == BillStatus.CANCELLED:
        raise NotFoundError(bill_id=_l("Unknown bill."))
    return bill


def request_waiver(
    session: Session,
    bill_id,
    part: str,
    amount,
    reason: str,
    explanation: str = "",
    evidence: str = "",
    actor: str = "system",
) -> Waiver:
    """Record a waiver request; it changes nothing until a manager approves it."""
    bill = _bill(session, bill_id)
    problems = Problems()
    value = parse_amount(problems, "amount", amount)
    problems.check(part in PARTS, "part", _l("Choose the principal or the late fee."))
    problems.one_of("reason", reason, WaiverReason)
    problems.check(
        reason != "other" or bool(explanation.strip()),
        "explanation",
        _l("Explain a waiver for another reason."),
    )
    if value is not None and part in PARTS:
        limit = waivable(session, bill, part)
        problems.check(
            value <= limit, "amount", _l("At most ¥%(limit)s is outstanding.", limit=limit)
        )
    problems.raise_if_any()
    waiver = Waiver(
        community_id=bill.community_id,
        bill=bill,
        part=part,
        amount=value,
        reason=reason,
        explanation=explanation.strip(),
        evidence=evidence.strip(),
        status="requested",
        requested_by=actor,
        requested_at=datetime.now(UTC),
    )
    session.add(waiver)
    session.flush()
    return waiver


def awaits_decision(waiver: Waiver) -> bool:
    """Whether ``waiver`` is still to be approved or rejected (its page offers both)."""
    return waiver.status == "requested"


def _pending(session: Session, waiver_id, actor: str) -> Waiver:
    waiver = find_row(session, Waiver, waiver_id, waiver_id=_l("Unknown waiver."))
    if not awaits_decision(waiver):
        raise DomainError(waiver_id=_l("This waiver was already decided."))
    if waiver.requested_by == actor:
        raise DomainError(waiver_id=_l("Someone other than the requester must decide."))
    return waiver


def approve_waiver(session: Session, waiver_id, actor: str, note: str = "") -> Waiver:
    """Approve a requested waiver and apply it to its bill."""
    waiver = _pending(session, waiver_id, actor)
    limit = waivable(session, waiver.bill, waiver.part)
    if waiver.amount > limit:
        raise DomainError(amount=_l("At most ¥%(limit)s is outstanding.", limit=limit))
    if waiver.part == "principal":
        waiver.bill.waived += waiver.amount
    else:
        waiver.bill.late_fee_waived += waiver.amount
    refresh_bill(session, waiver.bill)
    _decide(waiver, "approved", actor, note)
    session.flush()
    return waiver


def reject_waiver(session: Session, waiver_id, actor: str, note: str = "") -> Waiver:
    waiver = _pending(session, waiver_id, actor)
    problems = Problems()
    problems.check(bool(note.strip()), "decision_note", _l("Say why it is rejected."))
    problems.raise_if_any()
    _decide(waiver, "rejected", actor, note)
    session.flush()
    return waiver


def _decide(waiver: Waiver, status: str, actor: str, note: str) -> None:
    waiver.status = status
    waiver.decided_by = actor
    waiver.decided_at = datetime.now(UTC)
    waiver.decision_note = note.strip() or None
