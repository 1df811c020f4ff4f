"""Dunning visits (上门催收, docs/domain.md §6 and §7): a level with the visit channel makes its
action a visit task on a collector's list, the same task sheets campaigns deal.

``plan_visits`` (the scan calls it after recording the day's actions) puts every visit action of
an open case that has no task yet on a list:

- on the unit's task in an active campaign if it has one (the unit is in one active campaign at
  most): its next action becomes the visit, due on the scan's day, with the same collector; a
  task escalated to the community manager stays the manager's;
- otherwise on a new task in the campaign the scan opens for the day's visits of the community
  (named after the level and the day, started that day, every owner to be visited that day),
  assigned to the community's active collector with the fewest open tasks (ties: the lowest
  user id), its arrears at start being the overdue amount the scan saw;
- with no active collector assigned to the community, the visit waits (``VisitPlan.waiting``)
  and every later scan tries again.

``answer_visit``: the first contact attempt recorded on the task once the visit is on it is the
visit's outcome, with the choices of a call; the action links the attempt and takes its outcome
class. The audit log records the task, the attempt and the action like any other change.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.collection import NextAction
from app.domain.dunning import VISIT
from app.models import (
    CollectionCampaign,
    CollectionTask,
    ContactAttempt,
    DunningAction,
    DunningCase,
    DunningLevel,
    StaffAssignment,
)
from app.models.collection import CampaignStatus, TaskStatus
from app.security.roles import COLLECTOR

NAME_LENGTH = 100  # of a campaign's name


@dataclass
class VisitPlan:
    planned: int = 0  # visits put on a task list
    waiting: int = 0  # visits whose community has no active collector


def _pending(session: Session) -> list[DunningAction]:
    """Visit actions of open cases not on any task list yet, largest amounts first."""
    return list(
        session.scalars(
            # unscoped: visit planning, done for the system
            select(DunningAction)
            .join(DunningCase, DunningCase.id == DunningAction.case_id)
            .where(
                DunningAction.channel == VISIT,
                DunningAction.task_id.is_(None),
                DunningCase.closed_on.is_(None),
            )
            .order_by(DunningAction.amount.desc(), DunningAction.id)
        )
    )


def _active_task(session: Session, unit_id: int) -> CollectionTask | None:
    return session.scalar(
        # unscoped: visit planning, done for the system
        select(CollectionTask)
        .join(CollectionCampaign, CollectionCampaign.id == CollectionTask.campaign_id)
        .where(
            CollectionTask.unit_id == unit_id,
            CollectionCampaign.status == CampaignStatus.ACTIVE,
        )
    )


def _collector_loads(session: Session, community_id: int) -> dict[int, int]:
    """The community's active collectors and how many open tasks (active campaigns, not
    escalated) each holds there."""
    collectors = session.scalars(
        select(User.id)
        .join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(
            StaffAssignment.community_id == community_id,
            User.active.is_(True),
            User.roles.any(Role.name == COLLECTOR),
        )
    ).all()
    held = session.execute(
        select(CollectionTask.assignee_id, func.count(CollectionTask.id))
        .join(CollectionCampaign, CollectionCampaign.id == CollectionTask.campaign_id)
        .where(
            CollectionTask.community_id == community_id,
            CollectionTask.assignee_id.in_(collectors),
            CollectionTask.status != TaskStatus.ESCALATED,
            CollectionCampaign.status == CampaignStatus.ACTIVE,
        )
        .group_by(CollectionTask.assignee_id)
    )
    return dict.fromkeys(collectors, 0) | dict(held.all())


def _day_campaign(
    session: Session, action: DunningAction, as_of: date, actor: str
) -> CollectionCampaign:
    """The campaign of the community's visits of ``as_of`` (opened by the first of them)."""
    level = session.scalar(select(DunningLevel).where(DunningLevel.level == action.level))
    assert level is not None  # the five levels are installed by the migration
    suffix = f" {as_of.isoformat()}"
    name = level.name[: NAME_LENGTH - len(suffix)] + suffix
    campaign = session.scalar(
        # unscoped: visit planning, done for the system
        select(CollectionCampaign).where(
            CollectionCampaign.community_id == action.community_id,
            CollectionCampaign.name == name,
            CollectionCampaign.started_on == as_of,
            CollectionCampaign.status == CampaignStatus.ACTIVE,
        )
    )
    if campaign is None:
        campaign = CollectionCampaign(
            community_id=action.community_id,
            name=name,
            min_days_overdue=max(level.days, 1),
            min_amount=level.min_amount,
            started_on=as_of,
            first_contact_by=as_of,
            status=CampaignStatus.ACTIVE,
            created_by=actor,
            created_at=datetime.now(UTC),
        )
        session.add(campaign)
    return campaign


def _visit_on(task: CollectionTask, as_of: date) -> None:
    """Make the visit the next action of the unit's task (an escalated task stays the
    manager's; a promise whose day passed is no longer the status)."""
    if task.status == TaskStatus.ESCALATED:
        return
    task.next_action, task.next_due = NextAction.DUNNING_VISIT, as_of
    if task.status == TaskStatus.PROMISED:
        task.status = TaskStatus.IN_PROGRESS


def plan_visits(session: Session, as_of: date, actor: str = "system") -> VisitPlan:
    """Put the visits of open cases that have no task yet on collectors' lists (module doc)."""
    plan = VisitPlan()
    loads: dict[int, dict[int, int]] = {}
    for action in _pending(session):
        task = _active_task(session, action.unit_id)
        if task is not None:
            _visit_on(task, as_of)
        else:
            if action.community_id not in loads:
                loads[action.community_id] = _collector_loads(session, action.community_id)
            load = loads[action.community_id]
            if not load:
                plan.waiting += 1
                continue
            assignee = min(load, key=lambda user_id: (load[user_id], user_id))
            load[assignee] += 1
            task = CollectionTask.first(
                _day_campaign(session, action, as_of, actor),
                action.unit_id,
                action.owner_id,
                assignee,
                action.amount,
                action.days_overdue,
                NextAction.DUNNING_VISIT,
                as_of,
            )
            session.add(task)
        action.task = task
        plan.planned += 1
        session.flush()
    return plan


def answer_visit(session: Session, attempt: ContactAttempt) -> DunningAction | None:
    """Record ``attempt`` as the outcome of the visit waiting on its task, if one waits."""
    action = session.scalar(
        # unscoped: the visit waiting on the task of a contact attempt being recorded
        select(DunningAction)
        .where(
            DunningAction.task_id == attempt.task.id,
            DunningAction.channel == VISIT,
            DunningAction.attempt_id.is_(None),
        )
        .order_by(DunningAction.id)
        .limit(1)
    )
    if action is not None:
        action.attempt = attempt
        action.outcome = attempt.outcome
    return action
