"""Tracking active installment agreements (docs/domain.md §8): the money paid toward them, the
daily scan that completes or defaults them, and the dunning pause it keeps or lifts.

Paid toward an agreement: allocations to its covered bills applied since it was drafted (the
covered total is reckoned then, so a down payment made at signing counts) by payments that were
not reversed — a reversal takes the money back out. ``scan_installments`` runs first in every
dunning scan: it marks an active agreement ``completed`` (the total paid, or nothing left open
on its bills) or ``defaulted`` (an instalment unpaid more than ``grace_days`` after its due
date) and lifts its pause, so that dunning resumes that same scan; a second run of the day
changes nothing. Late fees that accrue on the bills after the agreement's date are not part of
it: they stay on the bills (docs/domain.md §5 is unchanged).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain import installments as rules
from app.domain.dunning import PauseKind
from app.domain.installments import Standing
from app.domain.money import ZERO
from app.models import Allocation, DunningCase, InstallmentAgreement, InstallmentBill, Payment
from app.models.installments import InstallmentStatus
from app.services.ledger import OPEN_STATUSES


def open_cases(session: Session, unit_ids: Iterable[int]) -> dict[int, DunningCase]:
    return {
        c.unit_id: c
        for c in session.scalars(
            # unscoped: the cases of units of agreements already read (the scan, an approval)
            select(DunningCase).where(
                DunningCase.unit_id.in_(list(unit_ids)), DunningCase.closed_on.is_(None)
            )
        )
    }


def hold(case: DunningCase | None, agreement: InstallmentAgreement) -> None:
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


def schedule_of(agreement: InstallmentAgreement) -> list[rules.Instalment]:
    return [rules.Instalment(i.seq, i.due_date, i.amount) for i in agreement.instalments]


def cleared(agreement: InstallmentAgreement) -> bool:
    """Nothing is left to pay on the covered bills (paid, waived or cancelled)."""
    return all(link.bill.status not in OPEN_STATUSES for link in agreement.bills)


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
        # unscoped: the daily installment scan, done for the system
        select(InstallmentAgreement)
        .where(InstallmentAgreement.status == InstallmentStatus.ACTIVE)
        .options(
            selectinload(InstallmentAgreement.instalments),
            selectinload(InstallmentAgreement.bills).selectinload(InstallmentBill.bill),
        )
        .order_by(InstallmentAgreement.id)
    ).all()
    paid = paid_toward(session, [a.id for a in active])
    cases = open_cases(session, {a.unit_id for a in active})
    for agreement in active:
        schedule = schedule_of(agreement)
        standing = (
            Standing.COMPLETED
            if cleared(agreement)
            else rules.standing(schedule, paid[agreement.id], as_of, agreement.grace_days)
        )
        case_ = cases.get(agreement.unit_id)
        if standing == Standing.ON_TRACK:
            hold(case_, agreement)
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
