"""Complaints and follow-ups (投诉与回访, docs/domain.md §9), and their key figures.

``log_complaint`` takes a complaint down (the unit in the user's communities; an owner given
must be the unit's paying owner on the day of receipt, none given means that owner) and fixes
its deadlines from the settings (``complaint_response_hours``; ``complaint_resolution_days_<
category>``, empty meaning ``complaint_resolution_days``): see ``app.domain.complaints``.
``assign``, ``take_step`` (acknowledge, start, resolve, reopen), ``return_visit`` (closes with a
1–5 score), ``add_note`` and ``mark_nonpayment_reason`` each write one follow-up entry; a step
the status flow does not allow is refused, naming the status.

Reason for non-payment: while a unit has an open (not closed) complaint marked as the reason,
its open dunning case carries the ``complaint`` pause (no escalation beyond level 1,
docs/domain.md §6); the pause is lifted when no such complaint remains (unmarked or closed), and
a promise to pay made meanwhile then holds the case until its day. An installment pause is never
replaced; ``renew_pauses`` (daily) sets the pause on cases opened or freed since.

The overdue flags are computed when read (``Complaint.overdue_at``; in SQL
``app.services.complaint_flags``), never stored. ``check_deadlines`` (the daily job) only writes
the follow-up entry of each deadline missed at ``now`` (once: ``…_logged`` records it); a second
run writes nothing.
``open_from_task`` opens the complaint a refused collection contact calls for, marked as the
reason for non-payment, and links it to the task.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain import complaints as rules
from app.domain.collection import Outcome
from app.domain.complaints import Status, Step
from app.domain.dunning import PauseKind
from app.domain.rates import rate
from app.domain.windows import earliest_case_day, read_instant
from app.models import (
    Building,
    Community,
    Complaint,
    ComplaintEntry,
    DunningCase,
    Owner,
    Ownership,
    StaffAssignment,
    Unit,
)
from app.models.complaints import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    EntryAction,
)
from app.security import ADMIN, GRANTS, WRITE, in_scope, visible_community_ids
from app.services.collection import get_task
from app.services.complaint_flags import awaiting_resolution, awaiting_response, overdue_now
from app.services.errors import ConflictError, DomainError, NotFoundError, Problems
from app.services.promises import hold_for_promise
from app.services.queries import visible_row, whole_number
from app.services.settings import get_setting

NOTE_LENGTH = 2000
# Who may be given a complaint to work on: the roles that may write complaints.
WORKERS = (
    ADMIN,
    *(role for role, grants in GRANTS.items() if WRITE in grants.get("Complaint", ())),
)
NOTE_REQUIRED = {Step.RESOLVE: _l("Say what was done."), Step.REOPEN: _l("Say why it is reopened.")}


# --- Settings --------------------------------------------------------------------------------


def _whole(session: Session, key: str, fallback: str | None = None) -> int:
    """A positive whole-number setting (``fallback`` when the stored value is empty)."""
    value = get_setting(session, key) or (get_setting(session, fallback) if fallback else "")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise DomainError(
            key=_l("The setting %(key)s is not a whole number of at least 1.", key=key)
        )
    return number


def response_hours(session: Session) -> int:
    return _whole(session, "complaint_response_hours")


def resolution_days(session: Session, category: str) -> int:
    return _whole(session, f"complaint_resolution_days_{category}", "complaint_resolution_days")


# --- Logging a complaint ---------------------------------------------------------------------


def _note(problems: Problems, note, required=None) -> str:
    note = (note or "").strip()
    if required is not None:
        problems.check(bool(note), "note", required)
    problems.check(len(note) <= NOTE_LENGTH, "note", _l("At most %(n)d characters.", n=NOTE_LENGTH))
    return note


def _instant(problems: Problems, field: str, value, now: datetime) -> datetime:
    """An instant (a plain day or a time without offset read in the business zone) within the
    last year and not in the future (``now`` when none is given)."""
    if value in (None, ""):
        return now
    instant = read_instant(value, business_zone())
    if instant is None:
        problems.add(field, _l("Use the form YYYY-MM-DD or YYYY-MM-DDTHH:MM+08:00."))
        return now
    problems.check(instant <= now, field, _l("This time lies in the future."))
    problems.check(
        business_date(instant) >= earliest_case_day(business_date(now)),
        field,
        _l("This time lies more than a year back."),
    )
    return instant.astimezone(UTC)


def paying_owner_id(session: Session, unit_id: int, on: date) -> int | None:
    """The unit's paying owner on day ``on``."""
    return session.scalar(
        select(Ownership.owner_id).where(
            Ownership.unit_id == unit_id,
            Ownership.start_date <= on,
            or_(Ownership.end_date.is_(None), Ownership.end_date >= on),
        )
    )


def _assignee(session: Session, problems: Problems, community_id: int, value) -> int | None:
    """An active staff member of the community who may work on complaints, or None."""
    if value in (None, ""):
        return None
    user_id = whole_number(value)
    fit = user_id is not None and session.scalar(
        select(User.id)
        .join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(
            User.id == user_id,
            User.active.is_(True),
            StaffAssignment.community_id == community_id,
            User.roles.any(Role.name.in_(WORKERS)),
        )
    )
    problems.check(
        bool(fit),
        "assignee",
        _l("Choose a customer-service staff member of the complaint's community."),
    )
    return user_id if fit else None


def _entry(
    complaint: Complaint,
    action: EntryAction,
    actor: str,
    at: datetime,
    note: str = "",
    before: str | None = None,
    **extra,
) -> ComplaintEntry:
    """One follow-up entry: ``before`` is the status before a move (None when logging), the
    complaint's status when nothing moves."""
    entry = ComplaintEntry(
        community_id=complaint.community_id,
        at=at,
        by=actor,
        action=action,
        from_status=before,
        to_status=complaint.status,
        note=note,
        **extra,
    )
    complaint.entries.append(entry)
    return entry


def log_complaint(
    session: Session,
    unit_id,
    channel: str,
    category: str,
    description: str,
    owner_id=None,
    received_at=None,
    assignee_id=None,
    nonpayment_reason: bool = False,
    actor: str = "system",
    now: datetime | None = None,
) -> Complaint:
    """Take a complaint down and fix its deadlines.

    :param received_at: an aware instant or ISO string; default now. Not in the future.
    :raises NotFoundError: for a unit the user may not see.
    :raises DomainError: naming every bad field; nothing is written.
    """
    now = now or datetime.now(UTC)
    problems = Problems()
    unit = session.get(Unit, whole_number(unit_id)) if whole_number(unit_id) is not None else None
    if unit is None and unit_id in (None, ""):
        problems.add("unit", _l("Choose the unit the complaint is about."))
    elif unit is None or not in_scope(unit):
        raise NotFoundError(unit=_l("Unknown unit."))
    problems.one_of("channel", channel, ComplaintChannel)
    category_ok = problems.one_of("category", category, ComplaintCategory)
    description = (description or "").strip()
    problems.check(bool(description), "description", _l("Say what the complaint is about."))
    problems.check(
        len(description) <= NOTE_LENGTH,
        "description",
        _l("At most %(n)d characters.", n=NOTE_LENGTH),
    )
    received_at = _instant(problems, "received_at", received_at, now)
    received_on = business_date(received_at)
    community_id = unit.building.community_id if unit is not None else None
    owner = None
    if unit is not None:
        payer = paying_owner_id(session, unit.id, received_on)
        if owner_id in (None, ""):
            owner = session.get(Owner, payer) if payer is not None else None
        else:
            number = whole_number(owner_id)
            owner = session.get(Owner, number) if number is not None else None
            problems.check(
                owner is not None and owner.id == payer,
                "owner",
                _l(
                    "Not the paying owner of unit %(unit)s on %(day)s.",
                    unit=unit.code,
                    day=received_on.isoformat(),
                ),
            )
        assignee_id = _assignee(session, problems, community_id, assignee_id)
    problems.raise_if_any()
    days = resolution_days(session, category) if category_ok else 0
    complaint = Complaint(
        community_id=community_id,
        unit=unit,
        owner=owner,
        channel=channel,
        category=category,
        description=description,
        received_at=received_at,
        received_on=received_on,
        logged_by=actor,
        assignee_id=assignee_id,
        status=Status.NEW,
        respond_by=rules.response_due(received_at, response_hours(session)),
        resolve_by=rules.resolution_day(received_on, days),
        response_overdue_logged=False,
        resolution_overdue_logged=False,
        nonpayment_reason=bool(nonpayment_reason),
    )
    session.add(complaint)
    _entry(complaint, EntryAction.LOGGED, actor, now)
    if assignee_id is not None:
        _entry(complaint, EntryAction.ASSIGNED, actor, now, "", Status.NEW, assignee_id=assignee_id)
    if complaint.nonpayment_reason:
        _entry(complaint, EntryAction.REASON_MARKED, actor, now, "", Status.NEW)
    session.flush()
    _sync_pause(session, unit.id)
    return complaint


def get_complaint(session: Session, complaint_id) -> Complaint:
    """A complaint the user may see."""
    return visible_row(session, Complaint, complaint_id, complaint_id=_l("Unknown complaint."))


# --- Follow-ups ------------------------------------------------------------------------------


def _not_closed(complaint: Complaint, field: str = "complaint_id") -> None:
    if complaint.status == Status.CLOSED:
        raise DomainError({field: [_l("This complaint is closed: reopen it first.")]})


def assign(session: Session, complaint_id, assignee_id, note="", actor: str = "system"):
    """Give the complaint to a customer-service staff member of its community."""
    complaint = get_complaint(session, complaint_id)
    _not_closed(complaint, "assignee")
    problems = Problems()
    note = _note(problems, note)
    if assignee_id in (None, ""):
        problems.add("assignee", _l("Choose who works on the complaint."))
    else:
        assignee_id = _assignee(session, problems, complaint.community_id, assignee_id)
    problems.raise_if_any()
    complaint.assignee_id = assignee_id
    now = datetime.now(UTC)
    _entry(
        complaint, EntryAction.ASSIGNED, actor, now, note, complaint.status, assignee_id=assignee_id
    )
    session.flush()
    return complaint


def _move(complaint: Complaint, step: Step) -> Status:
    """The status ``step`` leads to, or a refusal naming what the complaint's status allows."""
    target = rules.next_status(step, complaint.status)
    if target is None:
        sources, _ = rules.FLOW[step]
        raise DomainError(
            status=_l(
                "Not possible while the complaint's status is %(status)s; only from: %(allowed)s.",
                status=ComplaintStatus(complaint.status).label,
                allowed=LazyString(
                    lambda: ", ".join(str(ComplaintStatus(s).label) for s in sources)
                ),
            )
        )
    return target


def take_step(
    session: Session,
    complaint_id,
    step: str,
    note: str = "",
    actor: str = "system",
    at: datetime | None = None,
) -> Complaint:
    """Acknowledge, start, resolve or reopen the complaint (``Step`` values; the return visit
    is ``return_visit``). Reopening sets a new resolution day, counted from today (a late
    acknowledgement or resolution shows in the flags computed when read)."""
    if step not in {Step.ACKNOWLEDGE, Step.START, Step.RESOLVE, Step.REOPEN}:
        raise DomainError(step=_l("Unknown step."))
    step = Step(step)
    complaint = get_complaint(session, complaint_id)
    target = _move(complaint, step)
    problems = Problems()
    note = _note(problems, note, NOTE_REQUIRED.get(step))
    problems.raise_if_any()
    at = at or datetime.now(UTC)
    before = complaint.status
    complaint.status = target
    if step == Step.ACKNOWLEDGE:
        complaint.acknowledged_at = at
    elif step == Step.RESOLVE:
        complaint.resolved_at, complaint.resolved_on = at, business_date(at)
    elif step == Step.REOPEN:
        complaint.resolved_at = complaint.resolved_on = complaint.closed_at = None
        days = resolution_days(session, complaint.category)
        complaint.resolve_by = rules.resolution_day(business_date(at), days)
        complaint.resolution_overdue_logged = False  # the new day's miss is logged anew
    _entry(complaint, EntryAction(step.value), actor, at, note, before)
    session.flush()
    _sync_pause(session, complaint.unit_id)
    return complaint


def return_visit(
    session: Session,
    complaint_id,
    score,
    note: str = "",
    actor: str = "system",
    at: datetime | None = None,
) -> Complaint:
    """The return visit (回访) of a resolved complaint: the owner's 1–5 score closes it."""
    complaint = get_complaint(session, complaint_id)
    target = _move(complaint, Step.RETURN_VISIT)
    problems = Problems()
    value = whole_number(score)
    problems.check(
        value in rules.SCORES and str(score).strip() == str(value),
        "score",
        _l("A whole number from 1 to 5."),
    )
    note = _note(problems, note)
    problems.raise_if_any()
    at = at or datetime.now(UTC)
    before = complaint.status
    complaint.status = target
    complaint.closed_at = at
    complaint.satisfaction = value
    _entry(complaint, EntryAction.RETURN_VISIT, actor, at, note, before, score=value)
    session.flush()
    _sync_pause(session, complaint.unit_id)
    return complaint


def add_note(session: Session, complaint_id, note, actor: str = "system") -> Complaint:
    """A follow-up note (a call made, a repair booked) without a change of status."""
    complaint = get_complaint(session, complaint_id)
    problems = Problems()
    note = _note(problems, note, _l("Write the note."))
    problems.raise_if_any()
    _entry(complaint, EntryAction.NOTE, actor, datetime.now(UTC), note, complaint.status)
    session.flush()
    return complaint


def mark_nonpayment_reason(
    session: Session,
    complaint_id,
    marked: bool,
    note: str = "",
    actor: str = "system",
    today: date | None = None,
) -> Complaint:
    """Mark (or clear) the complaint as the owner's reason for not paying; this pauses (or
    resumes) the escalation of the unit's dunning case (a promise to pay whose day is not
    past on ``today``, default the business date, holds it once cleared)."""
    complaint = get_complaint(session, complaint_id)
    if marked:
        _not_closed(complaint, "nonpayment_reason")
    if complaint.nonpayment_reason == bool(marked):
        raise DomainError(nonpayment_reason=_l("Already marked.") if marked else _l("Not marked."))
    problems = Problems()
    note = _note(problems, note)
    problems.raise_if_any()
    complaint.nonpayment_reason = bool(marked)
    action = EntryAction.REASON_MARKED if marked else EntryAction.REASON_CLEARED
    _entry(complaint, action, actor, datetime.now(UTC), note, complaint.status)
    session.flush()
    _sync_pause(session, complaint.unit_id, today)
    return complaint


# --- Dunning pause ---------------------------------------------------------------------------


def _reason_complaint(session: Session, unit_id: int) -> Complaint | None:
    """The unit's oldest open complaint marked as the reason for not paying."""
    return session.scalar(
        select(Complaint)
        .where(
            Complaint.unit_id == unit_id,
            Complaint.nonpayment_reason.is_(True),
            Complaint.status != Status.CLOSED,
        )
        .order_by(Complaint.received_at, Complaint.id)
        .limit(1)
    )


def _sync_pause(session: Session, unit_id: int, today: date | None = None) -> None:
    """Set or lift the complaint pause of the unit's open dunning case (never replacing an
    installment pause, never lifting another slice's)."""
    case = session.scalar(
        select(DunningCase).where(DunningCase.unit_id == unit_id, DunningCase.closed_on.is_(None))
    )
    if case is None or case.pause_kind == PauseKind.INSTALLMENT:
        return
    reason = _reason_complaint(session, unit_id)
    if reason is not None:
        case.pause_kind = PauseKind.COMPLAINT
        case.paused_until = None  # until the complaint closes or is unmarked
        case.pause_note = f"#{reason.id} {reason.category}"
    elif case.pause_kind == PauseKind.COMPLAINT:
        case.pause_kind = case.paused_until = None
        case.pause_note = ""
        hold_for_promise(session, case, today or business_date())  # a promise made meanwhile
    session.flush()


def units_complaining(session: Session) -> set[int]:
    """Units with an open complaint marked as the reason for not paying."""
    return set(
        session.scalars(
            select(Complaint.unit_id).where(
                Complaint.nonpayment_reason.is_(True), Complaint.status != Status.CLOSED
            )
        )
    )


def renew_pauses(session: Session) -> int:
    """Set or lift the complaint pause on every open dunning case it concerns (cases opened, or
    freed from an installment pause, since the mark); returns the units looked at."""
    units = units_complaining(session) | set(
        session.scalars(
            select(DunningCase.unit_id).where(
                DunningCase.closed_on.is_(None), DunningCase.pause_kind == PauseKind.COMPLAINT
            )
        )
    )
    for unit_id in sorted(units):
        _sync_pause(session, unit_id)
    return len(units)


# --- Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineCheck:
    response: list[int]  # complaints whose missed first response was newly logged
    resolution: list[int]  # complaints whose missed resolution day was newly logged


def _flag(session: Session, flag: str, action: EntryAction, late, actor: str, now: datetime):
    """Write the entry of a missed deadline on the complaints matching ``late`` whose entry is
    not written yet (``flag``: the ``…_logged`` column that records it); their ids."""
    complaints = session.scalars(
        select(Complaint).where(late, getattr(Complaint, flag).is_(False)).order_by(Complaint.id)
    ).all()
    for complaint in complaints:
        setattr(complaint, flag, True)
        _entry(complaint, action, actor, now, "", complaint.status)
    return [complaint.id for complaint in complaints]


def check_deadlines(session: Session, now: datetime, actor: str = "deadline-check"):
    """Log the deadlines missed at ``now`` and not logged yet, one follow-up entry each (the
    flags themselves are computed when read: ``Complaint.overdue_at``)."""
    result = DeadlineCheck(
        _flag(
            session,
            "response_overdue_logged",
            EntryAction.RESPONSE_OVERDUE,
            awaiting_response(now),
            actor,
            now,
        ),
        _flag(
            session,
            "resolution_overdue_logged",
            EntryAction.RESOLUTION_OVERDUE,
            awaiting_resolution(now),
            actor,
            now,
        ),
    )
    session.flush()
    return result


# --- From a refused collection contact -------------------------------------------------------


def open_from_task(
    session: Session,
    task_id,
    category: str,
    description: str = "",
    channel: str = ComplaintChannel.PHONE,
    actor: str = "system",
) -> Complaint:
    """Open the complaint a refused collection contact calls for: the task's unit and owner,
    the refusal's reason as the description unless one is given, marked as the reason for not
    paying; the task links to it and needs no complaint any more.

    :raises NotFoundError: for a task the user may not see.
    :raises DomainError: when the task's last contact was no refusal.
    :raises ConflictError: when the task's complaint is still open.
    """
    task = get_task(session, task_id)
    if task.last_outcome != Outcome.REFUSED:
        raise DomainError(task_id=_l("The last contact of this task was no refusal."))
    if task.complaint is not None and task.complaint.status != Status.CLOSED:
        raise ConflictError(
            task_id=_l("Complaint #%(id)d of this task is still open.", id=task.complaint.id)
        )
    refusals = [a for a in task.attempts if a.outcome == Outcome.REFUSED]
    description = (description or "").strip() or refusals[-1].refusal_reason
    complaint = log_complaint(
        session,
        task.unit_id,
        channel,
        category,
        description,
        owner_id=task.owner_id,
        nonpayment_reason=True,
        actor=actor,
    )
    task.complaint = complaint
    task.complaint_needed = False
    session.flush()
    return complaint


# --- Unit search (intake) --------------------------------------------------------------------


@dataclass(frozen=True)
class UnitMatch:
    unit_id: int
    unit: str
    community: str
    owner_id: int | None
    owner: str
    phone: str


def find_units(session: Session, text: str, on: date, limit: int = 20) -> list[UnitMatch]:
    """Units of the user's communities whose code, or whose paying owner's name (on ``on``),
    contains ``text``; with that owner. Fewer than 2 characters find nothing."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    pattern = f"%{text}%"
    payer = and_(
        Ownership.unit_id == Unit.id,
        Ownership.start_date <= on,
        or_(Ownership.end_date.is_(None), Ownership.end_date >= on),
    )
    query = (
        select(Unit.id, Unit.code, Community.code, Owner.id, Owner.name, Owner.phone)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .outerjoin(Ownership, payer)
        .outerjoin(Owner, Owner.id == Ownership.owner_id)
        .where(or_(Unit.code.ilike(pattern), Owner.name.ilike(pattern)))
        .order_by(Community.code, Unit.code, Unit.id)
        .limit(limit)
    )
    ids = visible_community_ids()
    if ids is not None:
        query = query.where(Building.community_id.in_(ids))
    return [
        UnitMatch(unit_id, unit, community, owner_id, owner or "", phone or "")
        for unit_id, unit, community, owner_id, owner, phone in session.execute(query)
    ]


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


def _scoped(query, community_ids):
    return query if community_ids is None else query.where(Complaint.in_communities(community_ids))


def _units(session: Session, community_ids) -> int:
    query = select(func.count(Unit.id)).join(Building, Building.id == Unit.building_id)
    if community_ids is not None:
        query = query.where(Building.community_id.in_(community_ids))
    return session.scalar(query)


def _repeats(session: Session, cohort: list[Complaint], start: date, community_ids) -> int:
    """Complaints of ``cohort`` repeating an earlier one of their unit and category."""
    earlier = session.execute(
        _scoped(
            select(
                Complaint.unit_id, Complaint.category, Complaint.received_at, Complaint.received_on
            ).where(
                Complaint.received_on >= start - timedelta(days=rules.REPEAT_DAYS),
                Complaint.received_on <= max((c.received_on for c in cohort), default=start),
            ),
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
    cohort = session.scalars(_scoped(select(Complaint).where(in_period), community_ids)).all()
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
            [Decimal((c.resolved_at - c.received_at).total_seconds()) / 3600 for c in resolved],
            "0.1",
        ),
        overdue=session.scalar(
            _scoped(
                select(func.count(Complaint.id)).where(in_period, overdue_now(now)), community_ids
            )
        ),
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
            _scoped(
                select(Complaint.category, func.count(Complaint.id))
                .where(Complaint.received_on >= start, Complaint.received_on <= end)
                .group_by(Complaint.category),
                community_ids,
            )
        ).all()
    )
    return [(category.value, counts.get(category.value, 0)) for category in ComplaintCategory]
