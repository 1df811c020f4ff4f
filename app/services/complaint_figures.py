"""Key figures of complaints (docs/domain.md §9): ``complaint_kpis`` (response timeliness,
resolution, time to resolve, complaints per 100 units, repeats, return-visit satisfaction) and
``complaints_by_category``, for the key-figure service (``app.services.kpi``).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain import complaints as rules
from app.domain.rates import rate
from app.models import Building, Complaint, Unit
from app.models.complaints import ComplaintCategory
from app.services.complaint_flags import overdue_now
from app.services.rows import visible_only, visible_rows

# --- Key figures (docs/domain.md §9) --------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintKpis:
    """The complaints received from ``start`` to ``end`` (business dates of receipt), as they
    stand at ``now``; rates are fractions (``app.domain.rates``), None without a denominator.
    """

    start: date
    end: date
    received: int
    units: int  # units of the communities
    per_100_units: Decimal | None  # received × 100 ÷ units, 2 places
    responses_due: int  # answered, or unanswered past the deadline
    responded_in_time: int
    response_timeliness_rate: Decimal | None  # responded in time ÷ responses due
    resolved: int  # resolved or closed now
    resolution_rate: Decimal | None  # resolved ÷ received
    resolved_in_time: int
    mean_hours_to_resolve: Decimal | None  # receipt to (latest) resolution, 1 place
    overdue: int  # unresolved, past a deadline still awaited
    repeats: int  # repeat complaints (see ``complaint_kpis``)
    repeat_rate: Decimal | None  # repeats ÷ received
    return_visits: int  # complaints with a return-visit score
    mean_score: Decimal | None  # 1–5, 2 places
    satisfied: int  # scores of 4 or 5
    satisfaction_rate: Decimal | None  # satisfied ÷ return visits


def _units(session: Session, community_ids) -> int:
    query = visible_only(
        select(func.count(Unit.id)).join(Building, Building.id == Unit.building_id),
        Building,
        community_ids,
    )
    return session.execute(query).scalar_one()


def _repeats(session: Session, cohort: Sequence[Complaint], start: date, community_ids) -> int:
    """Complaints of ``cohort`` repeating an earlier one of their unit and category."""
    earlier = session.execute(
        visible_only(
            select(
                Complaint.unit_id, Complaint.category, Complaint.received_at, Complaint.received_on
            ).where(
                Complaint.received_on >= start - timedelta(days=rules.REPEAT_DAYS),
                Complaint.received_on <= max((c.received_on for c in cohort), default=start),
            ),
            Complaint,
            community_ids,
        )
    ).all()
    by_key = defaultdict(list)
    for unit_id, category, at, on in earlier:
        by_key[unit_id, category].append((at, on))
    return sum(
        1
        for c in cohort
        if any(
            at < c.received_at and rules.is_repeat(c.received_on, on)
            for at, on in by_key[c.unit_id, c.category]
        )
    )


def _mean(values: Iterable, places: str) -> Decimal | None:
    values = [Decimal(v) for v in values]
    if not values:
        return None
    return (sum(values) / len(values)).quantize(Decimal(places), ROUND_HALF_UP)


def complaint_kpis(
    session: Session, start: date, end: date, community_ids=None, now: datetime | None = None
) -> ComplaintKpis:
    """The §9 key figures of the complaints received from ``start`` to ``end`` (inclusive
    business dates of receipt) in ``community_ids`` (None: all), as they stand at ``now``.

    - response timeliness: acknowledged by ``respond_by`` ÷ those whose response is due (a
      complaint still ``new`` before its deadline is not counted yet);
    - resolution rate: resolved (or closed) now ÷ received; resolved in time: by ``resolve_by``;
    - mean time to resolve: hours from receipt to the latest resolution, over the resolved;
    - complaints per 100 units of the communities;
    - repeat complaints: a complaint is a repeat when the same unit made an earlier complaint
      (received before it, in any period) of the same category at most 90 days before it
      (``app.domain.complaints.is_repeat``); the earlier one is not a repeat by itself;
    - return-visit satisfaction: the latest return-visit score of each complaint that has
      one: mean, and share of scores ≥ 4.
    """
    now = now or datetime.now(UTC)
    in_period = and_(Complaint.received_on >= start, Complaint.received_on <= end)
    cohort = session.scalars(visible_rows(Complaint, community_ids).where(in_period)).all()
    received = len(cohort)
    units = _units(session, community_ids)
    late = [c for c in cohort if rules.response_late(c.respond_by, c.acknowledged_at, now)]
    in_time = [c for c in cohort if c.acknowledged_at is not None and c not in late]
    resolved = [c for c in cohort if c.resolved_at is not None]
    today = business_date(now)
    scores = [c.satisfaction for c in cohort if c.satisfaction is not None]
    satisfied = sum(1 for s in scores if s >= rules.SATISFIED)
    repeats = _repeats(session, cohort, start, community_ids)
    return ComplaintKpis(
        start=start,
        end=end,
        received=received,
        units=units,
        per_100_units=(
            (Decimal(received * 100) / units).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if units
            else None
        ),
        responses_due=len(late) + len(in_time),
        responded_in_time=len(in_time),
        response_timeliness_rate=rate(len(in_time), len(late) + len(in_time)),
        resolved=len(resolved),
        resolution_rate=rate(len(resolved), received),
        resolved_in_time=sum(
            1
            for c in resolved
            if not rules.resolution_late(c.resolve_by, business_date(c.resolved_at), today)
        ),
        mean_hours_to_resolve=_mean(
            [
                Decimal((at - c.received_at).total_seconds()) / 3600
                for c in resolved
                if (at := c.resolved_at) is not None  # all of them: ``resolved`` holds these
            ],
            "0.1",
        ),
        overdue=session.execute(
            visible_only(
                select(func.count(Complaint.id)).where(in_period, overdue_now(now)),
                Complaint,
                community_ids,
            )
        ).scalar_one(),
        repeats=repeats,
        repeat_rate=rate(repeats, received),
        return_visits=len(scores),
        mean_score=_mean(scores, "0.01"),
        satisfied=satisfied,
        satisfaction_rate=rate(satisfied, len(scores)),
    )


def complaints_by_category(
    session: Session, start: date, end: date, community_ids=None
) -> list[tuple[str, int]]:
    """How many complaints of each category were received from ``start`` to ``end``: every
    category of §9 in its order (zeros included, so charts keep their axis)."""
    counts = dict(
        session.execute(
            visible_only(
                select(Complaint.category, func.count(Complaint.id))
                .where(Complaint.received_on >= start, Complaint.received_on <= end)
                .group_by(Complaint.category),
                Complaint,
                community_ids,
            )
        ).all()
    )
    return [(category.value, counts.get(category.value, 0)) for category in ComplaintCategory]
