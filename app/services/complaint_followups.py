"""Complaint follow-ups (docs/domain.md §9): every step after a complaint is logged.

``assign``, ``take_step`` (acknowledge, start, resolve, reopen), ``return_visit`` (closes with a
1–5 score), ``add_note`` and ``mark_nonpayment_reason`` each write one follow-up entry; a step
the status flow does not allow is refused, naming the status. A step that closes, reopens,
marks or unmarks a complaint sets or lifts the pause of the unit's dunning case
(``app.services.complaint_pauses``).

The overdue flags are computed when read (``Complaint.overdue_at``; in SQL
``app.services.complaint_flags``), never stored. ``check_deadlines`` (the daily job) only writes
the follow-up entry of each deadline missed at ``now`` (once: ``…_logged`` records it); a second
run writes nothing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain import complaints as rules
from app.domain.complaints import Status, Step
from app.models import Complaint
from app.models.complaints import ComplaintStatus, EntryAction
from app.services.complaint_flags import awaiting_resolution, awaiting_response
from app.services.complaint_pauses import sync_complaint_pause
from app.services.complaints import (
    add_entry,
    checked_assignee,
    checked_note,
    get_complaint,
    resolution_days,
)
from app.services.errors import DomainError, Problems
from app.services.queries import whole_number

NOTE_REQUIRED = {Step.RESOLVE: _l("Say what was done."), Step.REOPEN: _l("Say why it is reopened.")}


# --- Follow-ups ------------------------------------------------------------------------------


def _not_closed(complaint: Complaint, field: str = "complaint_id") -> None:
    if complaint.status == Status.CLOSED:
        raise DomainError({field: [_l("This complaint is closed: reopen it first.")]})


def assign(session: Session, complaint_id, assignee_id, note="", actor: str = "system"):
    """Give the complaint to a customer-service staff member of its community."""
    complaint = get_complaint(session, complaint_id)
    _not_closed(complaint, "assignee")
    problems = Problems()
    note = checked_note(problems, note)
    if assignee_id in (None, ""):
        problems.add("assignee", _l("Choose who works on the complaint."))
    else:
        assignee_id = checked_assignee(session, problems, complaint.community_id, assignee_id)
    problems.raise_if_any()
    complaint.assignee_id = assignee_id
    now = datetime.now(UTC)
    add_entry(
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
    note = checked_note(problems, note, NOTE_REQUIRED.get(step))
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
    add_entry(complaint, EntryAction(step.value), actor, at, note, before)
    session.flush()
    sync_complaint_pause(session, complaint.unit_id)
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
    note = checked_note(problems, note)
    problems.raise_if_any()
    at = at or datetime.now(UTC)
    before = complaint.status
    complaint.status = target
    complaint.closed_at = at
    complaint.satisfaction = value
    add_entry(complaint, EntryAction.RETURN_VISIT, actor, at, note, before, score=value)
    session.flush()
    sync_complaint_pause(session, complaint.unit_id)
    return complaint


def add_note(session: Session, complaint_id, note, actor: str = "system") -> Complaint:
    """A follow-up note (a call made, a repair booked) without a change of status."""
    complaint = get_complaint(session, complaint_id)
    problems = Problems()
    note = checked_note(problems, note, _l("Write the note."))
    problems.raise_if_any()
    add_entry(complaint, EntryAction.NOTE, actor, datetime.now(UTC), note, complaint.status)
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
    note = checked_note(problems, note)
    problems.raise_if_any()
    complaint.nonpayment_reason = bool(marked)
    action = EntryAction.REASON_MARKED if marked else EntryAction.REASON_CLEARED
    add_entry(complaint, action, actor, datetime.now(UTC), note, complaint.status)
    session.flush()
    sync_complaint_pause(session, complaint.unit_id, today)
    return complaint


# --- Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineCheck:
    response: list[int]  # complaints whose missed first response was newly logged
    resolution: list[int]  # complaints whose missed resolution day was newly logged


def _flag(session: Session, flag: str, action: EntryAction, late, actor: str, now: datetime):
    """Write the entry of a missed deadline on the complaints matching ``late`` whose entry is
    not written yet (``flag``: the ``…_logged`` column that records it); their ids."""
    complaints = session.scalars(
        # unscoped: the deadline check, done for the system
        select(Complaint).where(late, getattr(Complaint, flag).is_(False)).order_by(Complaint.id)
    ).all()
    for complaint in complaints:
        setattr(complaint, flag, True)
        add_entry(complaint, action, actor, now, "", complaint.status)
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
