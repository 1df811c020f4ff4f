"""Key figures of the dunning and collection work (docs/domain.md §12):

- **Dunning funnel**: dunning actions per level scheduled in a date range.
- **Collector score** (§12): per staff member, over the tasks of the collection campaigns
  running in a date range, clearance = collected ÷ arrears at start as the campaign report
  counts them (``app.services.collection_report.task_collections``), scored by
  ``app.domain.collection.collector_score``.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain.collection import clearance_rate, collector_score
from app.models import CollectionCampaign, CollectionTask, DunningAction, DunningLevel
from app.models.collection import CampaignStatus
from app.services.collection_report import end_of_day, task_collections
from app.services.kpi_periods import money, scoped
from app.services.people import user_names

# --- Dunning funnel and collector scores ------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    level: int
    name: str
    actions: int
    units: int
    amount: Decimal  # overdue on the days of the actions


def dunning_funnel(
    session: Session, start: date, end: date, community_ids: set[int] | None = None
) -> list[FunnelStep]:
    """Dunning actions per level scheduled from ``start`` to ``end`` (inclusive), every level
    listed (zeros included) from the pre-due reminder to legal action."""
    counts = {
        level: (actions, units, amount)
        for level, actions, units, amount in session.execute(
            select(
                DunningAction.level,
                func.count(),
                func.count(func.distinct(DunningAction.unit_id)),
                func.sum(DunningAction.amount),
            )
            .where(
                DunningAction.scheduled_on >= start,
                DunningAction.scheduled_on <= end,
                *scoped(DunningAction.community_id, community_ids),
            )
            .group_by(DunningAction.level)
        )
    }
    levels = session.execute(
        select(DunningLevel.level, DunningLevel.name).order_by(DunningLevel.level)
    )
    steps = []
    for level, name in levels:
        actions, units, amount = counts.get(level, (0, 0, 0))
        steps.append(FunnelStep(level, name, actions, units, money(amount)))
    return steps


@dataclass(frozen=True)
class CollectorScore:
    user_id: int
    name: str
    units: int
    arrears: Decimal  # at the start of their campaigns
    collected: Decimal
    clearance_rate: Decimal | None
    score: int


def collector_scores(
    session: Session, start: date, end: date, community_ids: set[int] | None = None
) -> list[CollectorScore]:
    """Each staff member's clearance rate and score over the tasks of the campaigns running
    from ``start`` to ``end`` (started by ``end``, not closed before ``start``), money counted
    up to ``end``; by name."""
    running = (
        CollectionCampaign.started_on <= end,
        or_(
            CollectionCampaign.status == CampaignStatus.ACTIVE,
            CollectionCampaign.closed_at >= end_of_day(start - timedelta(days=1)),
        ),
        *scoped(CollectionCampaign.community_id, community_ids),
    )
    collections = task_collections(end, *running)
    rows = session.execute(
        select(
            CollectionTask.assignee_id,
            func.count(CollectionTask.id),
            func.sum(CollectionTask.arrears_at_start),
            func.sum(func.coalesce(collections.c.collected, 0)),
        )
        .join(CollectionCampaign, CollectionCampaign.id == CollectionTask.campaign_id)
        .outerjoin(collections, collections.c.task_id == CollectionTask.id)
        .where(*running)
        .group_by(CollectionTask.assignee_id)
    ).all()
    names = user_names(session, [row[0] for row in rows])  # 姓名, as the campaign report
    scores = []
    for (user_id, units, arrears, collected), name in zip(rows, names, strict=True):
        arrears, collected = money(arrears), money(collected)
        clearance = clearance_rate(collected, arrears)
        scores.append(
            CollectorScore(
                user_id, name, units, arrears, collected, clearance, collector_score(clearance)
            )
        )
    return sorted(scores, key=lambda score: score.name)
