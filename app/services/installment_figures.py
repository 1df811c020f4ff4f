"""Installment agreements' figures (docs/domain.md §8): how an agreement stands on a day (its
instalments with what has been paid of each, ``app.services.installment_tracking.paid_toward``),
and the agreements counted per status (a key figure, re-exported by ``app.services.kpi``).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain import installments as rules
from app.domain.installments import Filled, Standing
from app.domain.money import ZERO
from app.models import InstallmentAgreement
from app.models.installments import InstallmentStatus
from app.services.installment_tracking import cleared, paid_toward, schedule_of
from app.services.rows import visible_only

ENDED = (InstallmentStatus.COMPLETED, InstallmentStatus.DEFAULTED)


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
    schedule = schedule_of(agreement)
    if cleared(agreement):
        paid = max(paid, rules.schedule_total(schedule))
    if agreement.status in ENDED:
        standing = Standing(agreement.status)
    else:
        standing = rules.standing(schedule, paid, on, agreement.grace_days)
    return Progress(paid, rules.fill(schedule, paid), standing, on)


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
    query = visible_only(
        select(status, func.count(InstallmentAgreement.id))
        .where(InstallmentAgreement.agreed_on <= as_of)
        .group_by(status),
        InstallmentAgreement,
        community_ids,
    )
    counts = {s.value: 0 for s in InstallmentStatus}
    counts.update(dict(session.execute(query).all()))
    return counts
