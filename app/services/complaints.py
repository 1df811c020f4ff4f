"""Complaints (投诉, docs/domain.md §9): taking one down, with its deadlines.

``log_complaint`` takes a complaint down (the unit in the user's communities; an owner given
must be the unit's paying owner on the day of receipt, none given means that owner) and fixes
its deadlines from the settings (``complaint_response_hours``; ``complaint_resolution_days_<
category>``, empty meaning ``complaint_resolution_days``): see ``app.domain.complaints``.
``open_from_task`` opens the complaint a refused collection contact calls for, marked as the
reason for non-payment, and links it to the task. ``find_units`` finds the unit for the intake
form by its code or its paying owner's name.

What follows the logging (assigning, the status flow, the return visit, notes, the mark as the
reason for non-payment, the daily deadline check) is in ``app.services.complaint_followups``;
the pause of dunning in ``app.services.complaint_pauses``; the key figures in
``app.services.complaint_figures``.
"""

from datetime import UTC, date, datetime

from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain import complaints as rules
from app.domain.collection import Outcome
from app.domain.complaints import Status
from app.domain.windows import earliest_case_day, read_instant
from app.models import (
    Complaint,
    ComplaintEntry,
    Owner,
    Ownership,
    StaffAssignment,
    Unit,
)
from app.models.complaints import ComplaintCategory, ComplaintChannel, EntryAction
from app.security.roles import ADMIN, GRANTS, WRITE
from app.services.collection_tasks import get_task
from app.services.complaint_pauses import sync_complaint_pause
from app.services.errors import ConflictError, DomainError, NotFoundError, Problems
from app.services.queries import whole_number
from app.services.rows import find_row, visible_or_none
from app.services.settings import get_setting

NOTE_LENGTH = 2000
# Who may be given a complaint to work on: the roles that may write complaints.
WORKERS = (
    ADMIN,
    *(role for role, grants in GRANTS.items() if WRITE in grants.get("Complaint", ())),
)


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


def checked_note(problems: Problems, note, required=None) -> str:
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


def checked_assignee(session: Session, problems: Problems, community_id: int, value) -> int | None:
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


def add_entry(
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
    unit = visible_or_none(session, Unit, unit_id)
    if unit is None and unit_id in (None, ""):
        problems.add("unit", _l("Choose the unit the complaint is about."))
    elif unit is None:
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
    community_id = None
    owner = None
    if unit is not None:
        community_id = unit.building.community_id
        payer = paying_owner_id(session, unit.id, received_on)
        if owner_id in (None, ""):
            # unscoped: the paying owner of the unit (checked above)
            owner = session.get(Owner, payer) if payer is not None else None
        else:
            number = whole_number(owner_id)
            # unscoped: it must be the paying owner of the unit, checked below
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
        assignee_id = checked_assignee(session, problems, community_id, assignee_id)
    problems.raise_if_any()
    assert unit is not None  # else raise_if_any raised
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
    add_entry(complaint, EntryAction.LOGGED, actor, now)
    if assignee_id is not None:
        add_entry(
            complaint, EntryAction.ASSIGNED, actor, now, "", Status.NEW, assignee_id=assignee_id
        )
    if complaint.nonpayment_reason:
        add_entry(complaint, EntryAction.REASON_MARKED, actor, now, "", Status.NEW)
    session.flush()
    sync_complaint_pause(session, unit.id)
    return complaint


def get_complaint(session: Session, complaint_id) -> Complaint:
    """A complaint the user may see."""
    return find_row(session, Complaint, complaint_id, complaint_id=_l("Unknown complaint."))


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
