"""Collection campaigns and task sheets (清欠任务单, docs/domain.md §7), and the campaign report
(§12).

``create_campaign`` picks a community's overdue units (``find_overdue_accounts``) by the
campaign's filters, leaves out units already in another active campaign, and deals them to the
chosen staff (``app.domain.collection.distribute``): one task per unit, due for first contact
at once, every owner to be reached by the first-contact deadline. It refuses — naming the field,
writing nothing — a campaign without staff, with staff not assigned to the community, or with no
unit to collect from.

``record_contact`` records one contact attempt; its outcome class sets the task's next action
and due day. A promise holds the unit's dunning until the promised day, with or without a
dunning case yet (``app.services.promises``). The first attempt recorded on a task a dunning
visit put on the list is that visit's outcome (``app.services.visits.answer_visit``). A
refusal escalates the task to the community manager and flags it ``complaint_needed`` (unless
the complaint linked to the task is still open): customer service then opens it
(``app.services.complaints.open_from_task``).

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

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain.collection import (
    REACHED,
    NextAction,
    Outcome,
    clearance_rate,
    collector_score,
    distribute,
    next_action,
)
from app.domain.complaints import Status as ComplaintStatus
from app.domain.money import ZERO, to_fen
from app.models import (
    Allocation,
    Bill,
    CollectionCampaign,
    CollectionTask,
    Community,
    ContactAttempt,
    StaffAssignment,
)
from app.models.collection import CampaignStatus, ContactChannel, ContactOutcome, TaskStatus
from app.security import in_scope, task_in_scope
from app.services.arrears import find_overdue_accounts
from app.services.errors import DomainError, NotFoundError, Problems
from app.services.ledger import parse_amount
from app.services.promises import pause_for_promise
from app.services.queries import is_id, visible_row, whole_number
from app.services.settings import get_int
from app.services.visits import answer_visit

STATUS_AFTER = {
    Outcome.PROMISED: TaskStatus.PROMISED,
    Outcome.REFUSED: TaskStatus.ESCALATED,
}


def _int(problems: Problems, field: str, value, minimum: int) -> int | None:
    """A whole number of at least ``minimum``, or None after a message."""
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.add(field, _l("A whole number."))
        return None
    return (
        number
        if problems.check(number >= minimum, field, _l("At least %(n)d.", n=minimum))
        else None
    )


def _ids(value) -> list[int] | None:
    """A list of ids from a JSON list or form values; None when it is not one."""
    if not isinstance(value, list | tuple):
        return None
    numbers = [whole_number(v) for v in value]
    return None if None in numbers else numbers


def _community(session: Session, community_id) -> Community:
    number = whole_number(community_id)
    community = session.get(Community, number) if number is not None else None
    if community is None or not in_scope(community):
        raise NotFoundError(community=_l("Unknown community."))
    return community


def _check_staff(session: Session, problems: Problems, community: Community, staff) -> list[int]:
    ids = _ids(staff)
    if ids is None or not ids:
        problems.add("staff", _l("Choose at least one staff member to do the collecting."))
        return []
    if len(set(ids)) != len(ids):
        problems.add("staff", _l("Each staff member only once."))
        return []
    assigned = set(
        session.scalars(
            select(StaffAssignment.user_id)
            .join(User, User.id == StaffAssignment.user_id)
            .where(StaffAssignment.community_id == community.id, User.active.is_(True))
        )
    )
    strangers = [i for i in ids if i not in assigned]
    if strangers:
        names = ", ".join(_names(session, strangers))
        problems.add(
            "staff",
            _l("Not assigned to %(community)s: %(users)s.", community=community.name, users=names),
        )
    return ids


def _names(session: Session, user_ids: list[int]) -> list[str]:
    known = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    return [known.get(i, f"#{i}") for i in user_ids]


def _units_in_active_campaigns(session: Session, community_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CollectionTask.unit_id)
            .join(CollectionCampaign)
            .where(
                CollectionCampaign.community_id == community_id,
                CollectionCampaign.status == CampaignStatus.ACTIVE,
            )
        )
    )


def create_campaign(
    session: Session,
    community_id,
    name: str,
    staff,
    min_days_overdue=1,
    min_amount=None,
    first_contact_days=None,
    as_of: date | None = None,
    actor: str = "system",
) -> CollectionCampaign:
    """Create a campaign over the community's overdue units on ``as_of`` (today) and deal its
    tasks to ``staff`` (user ids).

    :raises NotFoundError: for a community the user may not see.
    :raises DomainError: naming every bad field; nothing is written.
    """
    community = _community(session, community_id)
    problems = Problems()
    name = (name or "").strip()
    problems.check(bool(name), "name", _l("This field is required."))
    problems.check(len(name) <= 100, "name", _l("At most %(n)d characters.", n=100))
    staff_ids = _check_staff(session, problems, community, staff)
    min_days = _int(problems, "min_days_overdue", min_days_overdue, 1)
    floor = ZERO if min_amount in (None, "") else parse_amount(problems, "min_amount", min_amount)
    if first_contact_days in (None, ""):
        first_contact_days = get_int(session, "first_contact_days")
    contact_days = _int(problems, "first_contact_days", first_contact_days, 0)
    problems.raise_if_any()
    today = as_of or business_date()
    taken = _units_in_active_campaigns(session, community.id)
    accounts = [
        account
        for account in find_overdue_accounts(session, today, {community.id}, min_amount=floor)
        if account.days_overdue >= min_days and account.unit_id not in taken
    ]
    if not accounts:
        raise DomainError(
            min_days_overdue=_l(
                "No unit of this community matches these filters (or all are in another "
                "active campaign)."
            )
        )
    campaign = CollectionCampaign(
        community=community,
        name=name,
        min_days_overdue=min_days,
        min_amount=floor,
        started_on=today,
        first_contact_by=today + timedelta(days=contact_days),
        status=CampaignStatus.ACTIVE,
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    session.add(campaign)
    by_unit = {a.unit_id: a for a in accounts}
    piles = distribute([(a.unit_id, a.overdue) for a in accounts], staff_ids)
    for assignee_id, unit_ids in piles.items():
        for unit_id in unit_ids:
            account = by_unit[unit_id]
            session.add(
                CollectionTask.first(
                    campaign,
                    unit_id,
                    account.owner_id,
                    assignee_id,
                    account.overdue,
                    account.days_overdue,
                    NextAction.FIRST_CONTACT,
                    today,
                )
            )
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id) -> CollectionCampaign:
    return visible_row(
        session,
        CollectionCampaign,
        campaign_id if is_id(campaign_id) else None,
        campaign_id=_l("Unknown campaign."),
    )


def close_campaign(session: Session, campaign_id) -> CollectionCampaign:
    """End a campaign: no more contacts; its units may join a new one."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.ACTIVE:
        raise DomainError(campaign_id=_l("This campaign is already closed."))
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = datetime.now(UTC)
    session.flush()
    return campaign


def get_task(session: Session, task_id) -> CollectionTask:
    """A task the user may see (a collector: only its own)."""
    task = session.get(CollectionTask, task_id) if isinstance(task_id, int) else None
    if task is None or not task_in_scope(task):
        raise NotFoundError(task_id=_l("Unknown task."))
    return task


def tasks_due(
    session: Session, user_id: int, on: date
) -> tuple[list[CollectionTask], list[CollectionCampaign]]:
    """A collector's work on day ``on``: its tasks of active campaigns whose next action is
    due by then (escalated ones are the manager's now), and those campaigns."""
    mine = (
        CollectionTask.assignee_id == user_id,
        CollectionCampaign.status == CampaignStatus.ACTIVE,
    )
    tasks = session.scalars(
        select(CollectionTask)
        .join(CollectionCampaign)
        .where(
            *mine,
            CollectionTask.next_due <= on,
            CollectionTask.status != TaskStatus.ESCALATED,
        )
        .order_by(CollectionTask.next_due, CollectionTask.id)
    ).all()
    campaigns = session.scalars(
        select(CollectionCampaign)
        .join(CollectionTask)
        .where(*mine)
        .distinct()
        .order_by(CollectionCampaign.id)
    ).all()
    return list(tasks), list(campaigns)


def _promise(problems: Problems, promised_date, promised_amount, today: date):
    """The promised day and amount: both required, the day not in the past."""
    day = problems.day("promised_date", promised_date, _l("Say on which day the owner will pay."))
    if day is not None and not problems.check(
        day >= today, "promised_date", _l("A promise to pay cannot lie in the past.")
    ):
        day = None
    return day, parse_amount(problems, "promised_amount", promised_amount)


def record_contact(
    session: Session,
    task_id,
    channel: str,
    outcome: str,
    promised_date=None,
    promised_amount=None,
    refusal_reason: str = "",
    note: str = "",
    at: datetime | None = None,
    actor: str = "system",
) -> ContactAttempt:
    """Record a contact attempt on a task and set the task's next action from its outcome.

    :raises NotFoundError: for a task the user may not see (a collector: not its own).
    :raises DomainError: naming every bad field; nothing is written.
    """
    task = get_task(session, task_id)
    problems = Problems()
    problems.check(
        task.campaign.status == CampaignStatus.ACTIVE,
        "task_id",
        _l("The campaign of this task is closed."),
    )
    problems.one_of("channel", channel, ContactChannel)
    known = problems.one_of("outcome", outcome, ContactOutcome)
    at = at or datetime.now(UTC)
    if at.tzinfo is None:
        problems.add("at", _l("Give the time with its time zone."))
        at = datetime.now(UTC)
    today = business_date(at)
    day = amount = None
    if known and outcome == Outcome.PROMISED:
        day, amount = _promise(problems, promised_date, promised_amount, today)
    refusal_reason = (refusal_reason or "").strip()
    if known and outcome == Outcome.REFUSED:
        problems.check(
            bool(refusal_reason),
            "refusal_reason",
            _l("Record why the owner refuses (which facility or service)."),
        )
    problems.check(
        len(refusal_reason) <= 300, "refusal_reason", _l("At most %(n)d characters.", n=300)
    )
    problems.raise_if_any()
    attempt = ContactAttempt(
        community_id=task.community_id,
        task=task,
        at=at,
        channel=channel,
        outcome=outcome,
        promised_date=day,
        promised_amount=amount,
        refusal_reason=refusal_reason if outcome == Outcome.REFUSED else "",
        note=(note or "").strip(),
        recorded_by=actor,
    )
    session.add(attempt)
    task.next_action, task.next_due = next_action(Outcome(outcome), day, today)
    task.last_outcome = outcome
    task.status = STATUS_AFTER.get(Outcome(outcome), TaskStatus.IN_PROGRESS)
    if outcome == Outcome.REFUSED:  # a complaint is needed, unless the task's is still open
        linked = task.complaint
        task.complaint_needed = linked is None or linked.status == ComplaintStatus.CLOSED
    if outcome == Outcome.PROMISED:
        pause_for_promise(session, attempt)
    answer_visit(session, attempt)
    session.flush()
    return attempt


# --- Report ----------------------------------------------------------------------------------


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
    names = dict(zip(by_staff, _names(session, list(by_staff)), strict=True))
    rows = [
        _result(user_id, names[user_id], tasks, reached, promised, collected)
        for user_id, tasks in sorted(by_staff.items(), key=lambda item: names[item[0]])
    ]
    total = _result(None, "", campaign.tasks, reached, promised, collected)
    return CampaignReport(campaign, as_of, rows, total)
