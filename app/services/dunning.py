"""Dunning (分级催缴, docs/domain.md §6): pauses and the daily scan. What it writes to owners is
worded in ``app.services.dunning_messages``; legal proposals are decided in
``app.services.dunning_legal``.

``scan_dunning`` looks at every unit with money overdue (``find_overdue_accounts``) or falling
due within the pre-due level's days, computes its target level (``app.domain.dunning``) and
records one ``DunningAction`` per level newly reached on the unit's open case, opening the case
with its first action and closing it when the overdue balance is cleared. What it writes to
owners is consolidated: ONE message per owner and scan listing every unpaid item of that owner,
a text reminder queued here, or the formal letter when a unit of the owner reached level 2
(rendered by ``jobs.dunning.render_letter``, which calls ``record_letter``). Quiet hours are
the outbox's business (SMS are held until they end).

Holds: a balance under the ``min_amount`` setting starts nothing; an owner written to within
``min_gap_days`` gets no new message (the levels that would write wait for the next scan); a
paused case does not rise (``pause_of``), and a unit under an on-track installment agreement
gets no case (``scan_installments`` runs first and may lift that pause the same day), nor does
a unit with a promise to pay whose day is not past (``promised_units``: recorded before the
unit had a case); legal action is proposed only once the case's formal letter was delivered and
its deadline passed, and only a manager decides on it.

Visits: a level with the visit channel records its action like any other; ``plan_visits`` then
puts it on a collector's task list (``app.services.visits``).

Idempotent: a level is acted on once per case (unique case + level) and one case per unit is
open (partial unique index), so a second scan of the same day creates nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain import dunning as rules
from app.domain.dunning import ActionKind, Level, PauseKind
from app.models import Bill, DunningAction, DunningCase, DunningLevel, Owner
from app.models.dunning import ProposalStatus
from app.models.outbox import MessageKind, OutboxStatus
from app.services.arrears import find_overdue_accounts
from app.services.complaint_pauses import renew_pauses, units_complaining
from app.services.delivery import queue_message
from app.services.dunning_messages import reminder_text
from app.services.errors import Problems
from app.services.installment_tracking import scan_installments
from app.services.ledger import OPEN_STATUSES
from app.services.promises import promised_units
from app.services.settings import get_int, get_setting
from app.services.visits import plan_visits

DELIVERED = (OutboxStatus.SENT, OutboxStatus.RECORDED)

# --- Pauses ----------------------------------------------------------------------------------


def _recorded_pause(case: DunningCase, kind: PauseKind, as_of: date) -> bool:
    return case.pause_kind == kind and (case.paused_until is None or as_of <= case.paused_until)


def on_track_installment(case: DunningCase, as_of: date) -> bool:
    """An active installment agreement covers the arrears and is on track (set on the case by
    the installment slice, lifted when it completes or defaults)."""
    return _recorded_pause(case, PauseKind.INSTALLMENT, as_of)


def promised_payment(case: DunningCase, as_of: date) -> bool:
    """A promise to pay holds until the promised date (``paused_until``); escalation resumes
    the day after."""
    return _recorded_pause(case, PauseKind.PROMISE, as_of)


def complaint_given_as_reason(case: DunningCase, as_of: date) -> bool:
    """An open complaint is marked as the reason for not paying: fix the service first."""
    return _recorded_pause(case, PauseKind.COMPLAINT, as_of)


PAUSE_CHECKS = (
    (PauseKind.INSTALLMENT, on_track_installment),
    (PauseKind.PROMISE, promised_payment),
    (PauseKind.COMPLAINT, complaint_given_as_reason),
)


def pause_of(case: DunningCase | None, as_of: date) -> PauseKind | None:
    """Why the case may not rise on ``as_of``, or None."""
    if case is None:
        return None
    return next((kind for kind, holds in PAUSE_CHECKS if holds(case, as_of)), None)


# --- The scan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One unit as the scan sees it."""

    unit_id: int
    community_id: int
    owner_id: int | None
    amount: Decimal  # overdue, or falling due for a pre-due reminder
    days: int  # days overdue of the oldest bill; 0 or negative: not overdue yet
    overdue: bool


@dataclass
class ScanResult:
    as_of: date
    actions_created: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    paused: int = 0  # units a pause held back
    deferred: int = 0  # units held by the owner's minimum gap between reminders
    awaiting_demand: int = 0  # units at the legal level whose formal demand is not yet expired
    visits: int = 0  # visits put on collectors' task lists
    visits_waiting: int = 0  # visits whose community has no active collector (tried again)
    messages: list[int] = field(default_factory=list)  # reminders to deliver after the commit
    letters: list[int] = field(default_factory=list)  # owners whose letter is to be rendered


def _accounts(session: Session, as_of: date, lead_days: int) -> dict[int, Account]:
    """Units with money overdue, and units with a bill falling due within ``lead_days``."""
    accounts = {
        a.unit_id: Account(a.unit_id, a.community_id, a.owner_id, a.overdue, a.days_overdue, True)
        for a in find_overdue_accounts(session, as_of)
    }
    if lead_days <= 0:
        return accounts
    coming = session.execute(
        select(
            Bill.unit_id,
            Bill.community_id,
            func.sum(Bill.balance),
            func.min(Bill.due_date),
            func.max(Bill.owner_id),
        )
        .where(
            Bill.status.in_(OPEN_STATUSES),
            Bill.balance > 0,
            Bill.due_date >= as_of,
            Bill.due_date <= as_of + timedelta(days=lead_days),
        )
        .group_by(Bill.unit_id, Bill.community_id)
    )
    for unit_id, community_id, amount, first_due, owner_id in coming:
        if unit_id not in accounts:
            days = (as_of - first_due).days
            accounts[unit_id] = Account(
                unit_id, community_id, owner_id, Decimal(amount), days, False
            )
    return accounts


def _owners_written_to(session: Session, as_of: date, gap_days: int) -> set[int]:
    """Owners sent a dunning message within the last ``gap_days`` days (today included)."""
    if gap_days <= 0:
        return set()
    return set(
        session.scalars(
            select(DunningAction.owner_id).where(
                DunningAction.kind.in_(rules.MESSAGE_KINDS),
                DunningAction.scheduled_on > as_of - timedelta(days=gap_days),
                DunningAction.scheduled_on <= as_of,
                DunningAction.owner_id.is_not(None),
            )
        )
    )


def _letter_of(case: DunningCase) -> DunningAction | None:
    return next((a for a in case.actions if a.kind == ActionKind.LETTER), None)


def demand_expired(session: Session, case: DunningCase | None, as_of: date) -> bool:
    """Whether the case's formal letter was delivered (sent, recorded or posted) and its
    deadline has passed on ``as_of``."""
    letter = _letter_of(case) if case is not None else None
    if letter is None:
        return False
    message = letter.outbox_message
    if message is None or message.status not in DELIVERED or message.sent_at is None:
        return False
    return rules.demand_expired(
        letter.deadline,
        business_date(message.sent_at),
        get_int(session, "letter_deadline_days"),
        as_of,
    )


def scan_day(value, today: date) -> date:
    """The day a scan is asked for (a date, ``YYYY-MM-DD`` or None for ``today``), refused
    (field ``as_of``) after ``today``: a later day's reminders would go out before they are due."""
    problems = Problems()
    day = problems.day("as_of", value) or today
    problems.check(
        day <= today,
        "as_of",
        _l(
            "A scan cannot run for a day after today (%(today)s): "
            "its reminders would go out early.",
            today=today.isoformat(),
        ),
    )
    problems.raise_if_any()
    return day


def scan_dunning(session: Session, as_of: date, actor: str = "system") -> ScanResult:
    """Record the dunning actions due on ``as_of`` (see the module docstring).

    The edge commits, then delivers ``result.messages`` and renders ``result.letters``
    (``jobs.dunning.dispatch``).
    """
    result = ScanResult(as_of)
    # First: an agreement that defaulted today lifts its pause, and dunning resumes today.
    held = scan_installments(session, as_of).on_track
    promised = promised_units(session, as_of)
    complaining = units_complaining(session)
    rows = {row.level: row for row in session.scalars(select(DunningLevel))}
    levels = [Level(r.level, r.days, r.min_amount, r.active) for r in rows.values()]
    floor = Decimal(get_setting(session, "min_amount"))
    pre_due = rows.get(rules.PRE_DUE)
    lead_days = -pre_due.days if pre_due is not None and pre_due.active else 0
    accounts = _accounts(session, as_of, lead_days)
    cases = {
        case.unit_id: case
        # unscoped: the dunning scan, done for the system
        for case in session.scalars(select(DunningCase).where(DunningCase.closed_on.is_(None)))
    }
    case: DunningCase | None  # the unit's open case, if any
    for case in list(cases.values()):
        account = accounts.get(case.unit_id)
        # Cleared: nothing owed any more, or the overdue money of a case past the pre-due
        # reminder was paid (a bill falling due later starts a case of its own).
        if account is None or (case.level >= rules.FRIENDLY and not account.overdue):
            case.closed_on = as_of
            result.cases_closed += 1
            del cases[case.unit_id]
    session.flush()
    written_to = _owners_written_to(session, as_of, get_int(session, "min_gap_days"))
    deadline = as_of + timedelta(days=get_int(session, "letter_deadline_days"))
    new: list[DunningAction] = []
    for account in sorted(accounts.values(), key=lambda a: a.unit_id):
        case = cases.get(account.unit_id)
        pause = pause_of(case, as_of)
        if case is None and account.unit_id in held:
            pause = PauseKind.INSTALLMENT  # an agreement on track: no case may open
        elif case is None and account.unit_id in promised:
            pause = PauseKind.PROMISE  # promised before any case: none opens until the day
        elif case is None and account.unit_id in complaining:
            pause = PauseKind.COMPLAINT  # a new case starts held at the friendly reminder
        decision = rules.decide(
            case.level if case is not None else rules.NO_LEVEL,
            account.days,
            account.amount,
            levels,
            floor,
            pause,
            demand_expired=partial(demand_expired, session, case, as_of),
            written_recently=account.owner_id in written_to,
        )
        result.paused += decision.paused
        result.awaiting_demand += decision.awaiting_demand
        result.deferred += decision.deferred
        due = decision.due
        if not due:
            continue
        if case is None:
            case = DunningCase(
                community_id=account.community_id,
                unit_id=account.unit_id,
                owner_id=account.owner_id,
                level=due[0].number,
                opened_on=as_of,
                pause_note="",
            )
            session.add(case)
            result.cases_opened += 1
        for level in due:
            action = DunningAction(
                community_id=account.community_id,
                case=case,
                unit_id=account.unit_id,
                owner_id=account.owner_id,
                level=level.number,
                kind=level.kind,
                channel=rows[level.number].channel,
                scheduled_on=as_of,
                created_at=datetime.now(UTC),
                created_by=actor,
                amount=account.amount,
                days_overdue=account.days,
                deadline=deadline if level.kind == ActionKind.LETTER else None,
                outcome="",
                status=ProposalStatus.PROPOSED if level.kind == ActionKind.LEGAL_PROPOSAL else None,
            )
            session.add(action)
            new.append(action)
        case.level = due[-1].number
    session.flush()
    renew_pauses(session)  # the new cases of units complaining show their pause
    result.actions_created = len(new)
    _write_to_owners(session, new, as_of, result)
    visits = plan_visits(session, as_of, actor)
    result.visits, result.visits_waiting = visits.planned, visits.waiting
    return result


def _write_to_owners(
    session: Session, actions: list[DunningAction], as_of: date, result: ScanResult
) -> None:
    """One message per owner: the letter (rendered later) if any of the owner's actions is a
    letter, else one text reminder listing all of the owner's unpaid items."""
    by_owner: dict[int, list[DunningAction]] = defaultdict(list)
    for action in actions:
        if action.kind in rules.MESSAGE_KINDS and action.owner_id is not None:
            by_owner[action.owner_id].append(action)
    for owner_id, owned in sorted(by_owner.items()):
        if any(a.kind == ActionKind.LETTER for a in owned):
            result.letters.append(owner_id)
            continue
        owner = session.get(Owner, owner_id)  # unscoped: the scan, for the system
        assert owner is not None  # the owner of the actions just written
        subject, body = reminder_text(session, owner, owned, as_of)
        message = queue_message(
            session,
            owner,
            MessageKind.REMINDER,
            subject,
            body,
            unit=owned[0].unit,
            related=f"dunning_action:{owned[0].id}",
        )
        for action in owned:
            action.outbox_message = message
            action.channel = message.channel
        result.messages.append(message.id)
    session.flush()
