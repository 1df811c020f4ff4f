"""The collection campaign report (docs/domain.md §12).

``campaign_report``: per staff member, units, contacted (reached the owner at least once),
promised, arrears at start, collected and the clearance rate and score. Collected on a task =
allocations made since the campaign was created, up to the report day, on the unit's bills that
were overdue at the start (reversals count negatively), at most the task's arrears at start:
money for bills issued later is not campaign money.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain.collection import REACHED, Outcome, clearance_rate, collector_score
from app.domain.money import ZERO, to_fen
from app.models import Allocation, Bill, CollectionCampaign, CollectionTask, ContactAttempt
from app.services.collection import get_campaign
from app.services.errors import Problems
from app.services.people import user_names


@dataclass(frozen=True)
class StaffResult:
    """One staff member's part of a campaign."""

    user_id: int | None  # None: the campaign's total
    name: str
    units: int
    contacted: int
    promised: int
    arrears: Decimal
    collected: Decimal
    rate: Decimal | None  # clearance rate, a fraction
    score: int


@dataclass(frozen=True)
class CampaignReport:
    campaign: CollectionCampaign
    as_of: date
    rows: list[StaffResult]
    total: StaffResult


def end_of_day(day: date) -> datetime:
    """The first instant after business day ``day``, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), business_zone()).astimezone(UTC)


def task_collections(as_of: date, *where) -> Subquery:
    """Per task of the campaigns matching ``where``: ``task_id``, ``assignee_id``,
    ``arrears_at_start`` and ``collected`` — what its unit paid on its arrears at start, from
    the campaign's creation to the end of ``as_of``, capped at the task's arrears at start."""
    paid = func.sum(Allocation.principal + Allocation.late_fee)
    arrears = CollectionTask.arrears_at_start
    return (
        select(
            CollectionTask.id.label("task_id"),
            CollectionTask.assignee_id,
            arrears,
            case((paid > arrears, arrears), (paid < 0, 0), else_=paid).label("collected"),
        )
        .join(CollectionCampaign, CollectionCampaign.id == CollectionTask.campaign_id)
        .join(Bill, Bill.unit_id == CollectionTask.unit_id)
        .join(Allocation, Allocation.bill_id == Bill.id)
        .where(
            *where,
            Bill.due_date < CollectionCampaign.started_on,
            Allocation.applied_at >= CollectionCampaign.created_at,
            Allocation.applied_at < end_of_day(as_of),
        )
        .group_by(CollectionTask.id, CollectionTask.assignee_id, arrears)
        .subquery()
    )


def collected_per_task(
    session: Session, campaign: CollectionCampaign, as_of: date
) -> dict[int, Decimal]:
    """What each task of ``campaign`` collected by the end of ``as_of`` (``task_collections``)."""
    collections = task_collections(as_of, CollectionTask.campaign_id == campaign.id)
    rows = session.execute(select(collections.c.task_id, collections.c.collected))
    return {task_id: to_fen(Decimal(collected)) for task_id, collected in rows}


def _result(user_id, name, tasks, reached, promised, collected) -> StaffResult:
    arrears = sum((t.arrears_at_start for t in tasks), ZERO)
    paid = sum((collected.get(t.id, ZERO) for t in tasks), ZERO)
    rate = clearance_rate(paid, arrears)
    return StaffResult(
        user_id,
        name,
        len(tasks),
        sum(1 for t in tasks if t.id in reached),
        sum(1 for t in tasks if t.id in promised),
        arrears,
        paid,
        rate,
        collector_score(rate),
    )


def campaign_report(session: Session, campaign_id, as_of=None) -> CampaignReport:
    """Per staff member: units, contacted, promised, collected, clearance rate and score, as of
    the end of ``as_of`` (a date or YYYY-MM-DD; default today)."""
    campaign = get_campaign(session, campaign_id)
    if as_of in (None, ""):
        as_of = business_date()
    problems = Problems()
    as_of = problems.day("as_of", as_of, None)
    problems.raise_if_any()
    collected = collected_per_task(session, campaign, as_of)
    outcomes = session.execute(
        select(ContactAttempt.task_id, ContactAttempt.outcome)
        .join(CollectionTask)
        .where(CollectionTask.campaign_id == campaign.id, ContactAttempt.at < end_of_day(as_of))
    ).all()
    reached = {task_id for task_id, outcome in outcomes if outcome in REACHED}
    promised = {task_id for task_id, outcome in outcomes if outcome == Outcome.PROMISED}
    by_staff: dict[int, list[CollectionTask]] = defaultdict(list)
    for task in campaign.tasks:
        by_staff[task.assignee_id].append(task)
    names = dict(zip(by_staff, user_names(session, list(by_staff)), strict=True))
    rows = [
        _result(user_id, names[user_id], tasks, reached, promised, collected)
        for user_id, tasks in sorted(by_staff.items(), key=lambda item: names[item[0]])
    ]
    total = _result(None, "", campaign.tasks, reached, promised, collected)
    return CampaignReport(campaign, as_of, rows, total)
