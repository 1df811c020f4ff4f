"""Billing runs (docs/domain.md §3): set-based, idempotent, with a preview that writes nothing.

For each community the run looks up the tariffs whose cycle starts in the period's month, then
works in a handful of SQL statements, whatever the number of units: one ``INSERT … SELECT`` for
the missing bills (written once, with their number and total), one per tariff for the missing
lines, and one ``UPDATE`` for the totals of older open bills that gained a line. Those
statements, the tariff selection and the conditions on units and bills are
``app.services.bill_building``; this module holds the run, its result and its failures.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.periods import month_start
from app.domain.windows import latest_billing_period
from app.models import Allocation, Bill, BillingRun, Building, Community, Payment, Tariff, Unit
from app.models.types import BillKind
from app.services.bill_building import (
    applicable_tariffs,
    covers,
    editable_bill,
    line_fen,
    live_bill,
    live_line,
    unit_conditions,
    write_bills,
)
from app.services.errors import DomainError
from app.services.payments import apply_credit
from app.services.settings import get_int

MAX_LISTED_FAILURES = 500


@dataclass
class RunResult:
    """What a run did (or, for a preview, would do)."""

    period_start: date
    dry_run: bool
    created: int = 0  # bill lines
    bills: int = 0  # new bills
    skipped: int = 0  # lines that already existed
    failed: list[dict] = field(default_factory=list)
    total: Decimal = Decimal("0.00")  # sum of the new lines
    run_id: int | None = None


def _bill_community(session, community, period, result: RunResult, run_id, now, only=()):
    tariffs = applicable_tariffs(session, community, period)
    types = sorted({t for tariff in tariffs for t in tariff.property_type_list})
    if not tariffs:
        return
    in_community = unit_conditions(community, types, only)
    locked = live_bill(period, ~editable_bill())
    # an opening balance of the period (moving in) stands for its bill: the run skips the unit
    opening = live_bill(period, Bill.kind == BillKind.OPENING)
    payer = exists().where(covers(period)).correlate(Unit)

    def units(*where):
        return select(Unit.code).join(Building).where(*in_community, *where)

    for code in session.scalars(units(~payer).order_by(Unit.code)):
        result.failed.append(
            {
                "community": community.code,
                "unit": code,
                "reason": str(_l("No paying owner on the period start.")),
            }
        )
    missing_any = or_(
        *[
            and_(Unit.property_type.in_(t.property_type_list), ~live_line(t, period))
            for t in tariffs
        ]
    )
    for code in session.scalars(units(payer, locked, ~opening, missing_any).order_by(Unit.code)):
        result.failed.append(
            {
                "community": community.code,
                "unit": code,
                "reason": str(
                    _l("Its bill is already paid or sent: cancel and re-issue it to add a fee.")
                ),
            }
        )

    candidates = {}
    for tariff in tariffs:
        where = [*unit_conditions(community, tariff.property_type_list, only), payer, ~locked]
        result.skipped += session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building)
            .where(*where, live_line(tariff, period))
        ) + session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building)
            .where(*unit_conditions(community, tariff.property_type_list, only), payer, opening)
        )
        candidates[tariff] = where
        count, fen = session.execute(
            select(func.count(), func.coalesce(func.sum(line_fen(tariff, Unit.area)), 0))
            .select_from(Unit)
            .join(Building)
            .where(*where, ~live_line(tariff, period))
        ).one()
        result.created += count
        result.total += Decimal(fen) / 100
    if result.dry_run:
        result.bills += session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building)
            .where(*in_community, payer, missing_any, ~live_bill(period))
        )
        return
    write_bills(
        session, community, period, tariffs, candidates, missing_any, result, run_id, now, only
    )
    for unit_id in units_with_credit(session, community.id):
        apply_credit(session, unit_id)


def units_with_credit(session: Session, community_id: int) -> list[int]:
    """Units of a community holding money not yet allocated to any bill."""
    reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
    live = and_(
        Payment.community_id == community_id,
        Payment.kind == "payment",
        Payment.id.not_in(reversed_ids),
    )
    allocated = (
        select(
            Allocation.payment_id,
            func.sum(Allocation.principal + Allocation.late_fee).label("used"),
        )
        .group_by(Allocation.payment_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Payment.unit_id)
            .outerjoin(allocated, allocated.c.payment_id == Payment.id)
            .where(live)
            .group_by(Payment.unit_id)
            .having(func.sum(Payment.amount - func.coalesce(allocated.c.used, 0)) > 0)
        )
    )


def run_billing(
    session: Session,
    period: date,
    community_id: int | None = None,
    *,
    dry_run: bool = False,
    actor: str = "system",
    unit_id: int | None = None,
    today: date | None = None,
) -> RunResult:
    """Bill every billable unit for ``period``'s month; a re-run adds only what is missing.

    :param dry_run: compute the same counts and totals, write nothing.
    :param unit_id: bill this unit only (re-issuing a cancelled bill).
    :param today: the business date (default: the clock's, at this edge); a period more than
        the setting ``billing_months_ahead`` months past its month is refused (docs/input.md).
    """
    period = month_start(period)
    ahead = get_int(session, "billing_months_ahead")
    latest = latest_billing_period(today or business_date(), ahead)
    if period > latest:
        raise DomainError(
            period=_l(
                "Bill at most up to %(month)s (setting billing_months_ahead).",
                month=latest.strftime("%Y-%m"),
            )
        )
    first = session.scalar(select(func.min(Tariff.valid_from)))
    if first is not None and period < month_start(first):
        raise DomainError(
            period=_l(
                "No tariff was valid yet: bill from %(month)s on.",
                month=month_start(first).strftime("%Y-%m"),
            )
        )
    # unscoped: a run bills the community its edge chose (scoped there), or all for the system
    query = select(Community).order_by(Community.code)
    only: tuple[ColumnElement[bool], ...] = ()
    if unit_id is not None:
        community_id = session.scalar(
            select(Building.community_id).join(Unit).where(Unit.id == unit_id)
        )
        only = (Unit.id == unit_id,)
    if community_id is not None:
        query = query.where(Community.id == community_id)
    communities = session.scalars(query).all()
    if community_id is not None and not communities:
        raise DomainError(community_id=_l("Unknown community."))
    now = datetime.now(UTC)
    result = RunResult(period_start=period, dry_run=dry_run)
    run = None
    if not dry_run:
        run = BillingRun(
            period_start=period,
            community_id=community_id,
            dry_run=False,
            started_at=now,
            started_by=actor,
        )
        session.add(run)
        session.flush()
        result.run_id = run.id
    for community in communities:
        _bill_community(session, community, period, result, result.run_id, now, only)
    if run is not None:
        run.created, run.bills, run.skipped = result.created, result.bills, result.skipped
        run.failed, run.total = len(result.failed), result.total
        run.failures = result.failed[:MAX_LISTED_FAILURES]
        run.finished_at = datetime.now(UTC)
        session.flush()
    return result


def run_billing_each(
    session: Session,
    period: date,
    community_ids: list[int],
    *,
    dry_run: bool = False,
    actor: str = "system",
) -> RunResult:
    """``run_billing`` for each of ``community_ids`` (a member of staff's communities: "all
    my communities"), in the caller's transaction; one run each, their figures added up
    (``run_id``: the run's when there is one, else None)."""
    combined = RunResult(period_start=month_start(period), dry_run=dry_run)
    runs = []
    for community_id in sorted(community_ids):
        result = run_billing(session, period, community_id, dry_run=dry_run, actor=actor)
        combined.created += result.created
        combined.bills += result.bills
        combined.skipped += result.skipped
        combined.failed += result.failed
        combined.total += result.total
        runs.append(result.run_id)
    combined.run_id = runs[0] if len(runs) == 1 else None
    return combined
