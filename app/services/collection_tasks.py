"""Collection tasks and contact attempts (docs/domain.md §7): a collector's work of the day, and
the attempts recorded on a task.

``record_contact`` records one contact attempt; its outcome class sets the task's next action
and due day. A promise holds the unit's dunning until the promised day, with or without a
dunning case yet (``app.services.promises``). The first attempt recorded on a task a dunning
visit put on the list is that visit's outcome (``app.services.visits.answer_visit``). A
refusal escalates the task to the community manager and flags it ``complaint_needed`` (unless
the complaint linked to the task is still open): customer service then opens it
(``app.services.complaints.open_from_task``).
"""

from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.domain.collection import Outcome, next_action
from app.domain.complaints import Status as ComplaintStatus
from app.models import CollectionCampaign, CollectionTask, ContactAttempt
from app.models.collection import CampaignStatus, ContactChannel, ContactOutcome, TaskStatus
from app.security.scoping import task_in_scope
from app.services.errors import Problems
from app.services.ledger import parse_amount
from app.services.promises import pause_for_promise
from app.services.rows import find_row, visible_rows
from app.services.visits import answer_visit

STATUS_AFTER = {
    Outcome.PROMISED: TaskStatus.PROMISED,
    Outcome.REFUSED: TaskStatus.ESCALATED,
}


def get_task(session: Session, task_id) -> CollectionTask:
    """A task the user may see (a collector: only its own)."""
    return find_row(
        session, CollectionTask, task_id, scope=task_in_scope, task_id=_l("Unknown task.")
    )


def tasks_due(
    session: Session, user_id: int, on: date
) -> tuple[list[CollectionTask], list[CollectionCampaign]]:
    """A collector's work on day ``on``: its tasks of active campaigns whose next action is
    due by then (escalated ones are the manager's now), and those campaigns; in the
    collector's communities only (a task of a community it has left is not its work)."""
    mine = (
        CollectionTask.assignee_id == user_id,
        CollectionCampaign.status == CampaignStatus.ACTIVE,
    )
    tasks = session.scalars(
        visible_rows(CollectionTask)
        .join(CollectionCampaign)
        .where(
            *mine,
            CollectionTask.next_due <= on,
            CollectionTask.status != TaskStatus.ESCALATED,
        )
        .order_by(CollectionTask.next_due, CollectionTask.id)
    ).all()
    campaigns = session.scalars(
        visible_rows(CollectionCampaign)
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


def contacts_since(session: Session, unit_id: int, since: date) -> list[ContactAttempt]:
    """Every call and visit recorded on the unit's tasks from the business day ``since`` on,
    oldest first (an evidence pack's contact log)."""
    start = datetime.combine(since, time(), business_zone())
    return list(
        session.scalars(
            # unscoped: the contact log of the unit of a case found through the door
            select(ContactAttempt)
            .join(ContactAttempt.task)
            .where(CollectionTask.unit_id == unit_id, ContactAttempt.at >= start)
            .order_by(ContactAttempt.at, ContactAttempt.id)
        )
    )
