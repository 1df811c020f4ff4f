"""Dunning (分级催缴, docs/domain.md §6): which level an account has reached, what to do about it.

Levels are numbered 0–4 and their kind of action is fixed by the number: 0 and 1 are reminders,
2 the formal dunning letter, 3 the key follow-up, 4 a legal *proposal*. An administrator edits
their days, minimum amount, channel, name and template, never their kind. Levels only rise while
a case is open; each level newly reached gets one action, except that a reminder reached
together with a higher level is left out (the higher action already says more). Legal action is
only ever proposed, and only after the formal letter was delivered and its deadline passed.

A level's channel says how its action is carried out. The key follow-up (3) may be a **visit**
(上门催收): its action is then a visit task on the list of a collector of the unit's community,
whose outcome is recorded like a call's. Reminders and letters are sent and the legal action
is proposed, so only the follow-up may be a visit.

No level may mean a utility cut-off: the Civil Code (art. 944) forbids cutting off water,
electricity, heating or gas to force payment.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

PRE_DUE, FRIENDLY, LETTER, FOLLOW_UP, LEGAL = 0, 1, 2, 3, 4
LEVEL_NUMBERS = (PRE_DUE, FRIENDLY, LETTER, FOLLOW_UP, LEGAL)
NO_LEVEL = -1  # the level of an account no action has been taken on yet


class ActionKind(StrEnum):
    REMINDER = "reminder"
    LETTER = "letter"
    FOLLOW_UP = "follow_up"
    LEGAL_PROPOSAL = "legal_proposal"


KIND_OF_LEVEL = {
    PRE_DUE: ActionKind.REMINDER,
    FRIENDLY: ActionKind.REMINDER,
    LETTER: ActionKind.LETTER,
    FOLLOW_UP: ActionKind.FOLLOW_UP,
    LEGAL: ActionKind.LEGAL_PROPOSAL,
}
# Actions that write to the owner: one consolidated message per owner and scan, and at most one
# per ``min_gap_days``.
MESSAGE_KINDS = (ActionKind.REMINDER, ActionKind.LETTER)


class PauseKind(StrEnum):
    """Why escalation is paused (set on a case by the slice that owns the reason)."""

    INSTALLMENT = "installment"  # an active, on-track installment agreement
    PROMISE = "promise"  # a promise to pay, until the day after the promised date
    COMPLAINT = "complaint"  # an open complaint marked as the reason: no escalation beyond 1


@dataclass(frozen=True)
class Level:
    number: int
    days: int  # days overdue from which the level applies; negative: before the due date
    min_amount: Decimal
    active: bool = True

    @property
    def kind(self) -> ActionKind:
        return KIND_OF_LEVEL[self.number]


VISIT = "visit"  # the channel of a level carried out by a collector at the owner's door
VISIT_KINDS = (ActionKind.FOLLOW_UP,)  # the kinds of action a visit may carry out


def may_visit(number: int) -> bool:
    """Whether the level numbered ``number`` may have the visit channel."""
    return KIND_OF_LEVEL.get(number) in VISIT_KINDS


# (number, name, days, channel, template): the defaults of docs/domain.md §6, installed by the
# migration.
DEFAULT_LEVELS = (
    (PRE_DUE, "缴费提醒", -7, "sms", "pre_due_reminder"),
    (FRIENDLY, "温馨提醒", 1, "sms", "friendly_reminder"),
    (LETTER, "正式催缴函", 30, "letter", "formal_letter"),
    (FOLLOW_UP, "重点跟进", 60, "phone", "key_follow_up"),
    (LEGAL, "法律途径", 180, "letter", "legal_proposal"),
)


def target_level(days: int, amount: Decimal, levels: Iterable[Level], floor: Decimal) -> int | None:
    """The highest active level whose days ``days`` has reached and whose minimum amount (never
    below ``floor``, the ``min_amount`` setting) ``amount`` reaches; None if no level applies.

    :param days: days overdue of the oldest unpaid bill, negative before its due date.
    """
    reached = [
        level.number
        for level in levels
        if level.active and days >= level.days and amount >= max(level.min_amount, floor)
    ]
    return max(reached, default=None)


def paused_ceiling(current: int, pause: PauseKind | None) -> int | None:
    """The highest level a case may reach while ``pause`` holds; None without a pause."""
    if pause is None:
        return None
    if pause == PauseKind.COMPLAINT:
        return max(current, FRIENDLY)
    return current


def levels_to_act(current: int, target: int | None, levels: Sequence[Level]) -> list[Level]:
    """The active levels newly reached from ``current`` up to ``target``, lowest first, without
    the reminders that a higher level reached at the same time makes redundant."""
    if target is None or target <= current:
        return []
    new = sorted(
        (level for level in levels if level.active and current < level.number <= target),
        key=lambda level: level.number,
    )
    top = new[-1].number if new else None
    return [level for level in new if level.kind != ActionKind.REMINDER or level.number == top]


@dataclass(frozen=True)
class Decision:
    """What a scan does about one account: the levels to act on now (none: nothing), and why
    fewer than its days and amount reach were acted on."""

    due: tuple[Level, ...]
    paused: bool = False  # held below its target by a pause
    awaiting_demand: bool = False  # legal action held: the formal demand has not expired
    deferred: bool = False  # a reminder or letter held: the owner was written to too recently


def decide(
    current: int,
    days: int,
    amount: Decimal,
    levels: Sequence[Level],
    floor: Decimal,
    pause: PauseKind | None = None,
    demand_expired: Callable[[], bool] = lambda: False,
    written_recently: bool = False,
) -> Decision:
    """The decision for an account at level ``current``, ``days`` overdue, owing ``amount``.

    A pause caps the target (``paused_ceiling``); the legal proposal waits for the formal
    demand to expire (``demand_expired`` is asked only then) and the key follow-up stands in;
    an owner written to within the minimum gap gets no reminder or letter, only what lies below
    the first of them."""
    target = target_level(days, amount, levels, floor)
    ceiling = paused_ceiling(current, pause)
    paused = ceiling is not None and target is not None and target > ceiling
    if paused:
        target = ceiling
    awaiting = target == LEGAL and not demand_expired()
    if awaiting:
        target = FOLLOW_UP
    due = levels_to_act(current, target, levels)
    writes = [level.number for level in due if level.kind in MESSAGE_KINDS]
    deferred = bool(writes) and written_recently
    if deferred:
        due = [level for level in due if level.number < writes[0]]
    return Decision(tuple(due), paused, awaiting, deferred)


def demand_expired(
    deadline: date | None, delivered_on: date | None, deadline_days: int, on: date
) -> bool:
    """Whether a formal demand's deadline has passed on day ``on``: the letter was delivered,
    and both its printed deadline and ``deadline_days`` after delivery are behind us (a letter
    posted late gives the owner the full period)."""
    if deadline is None or delivered_on is None:
        return False
    return on > max(deadline, delivered_on + timedelta(days=deadline_days))


# A utility word and a cutting word, in either order (English), or the Chinese compounds.
_UTILITY = r"(water|electric\w*|power|gas|heat\w*|utilit\w*)"
_CUT = (
    r"(cut(ting)?[\s-]*off|shut(ting)?[\s-]*off|switch(ing)?[\s-]*off|turn(ing)?[\s-]*off|"
    r"disconnect\w*|suspend\w*|stop\w*)"
)
_COERCION = re.compile(
    rf"{_CUT}\W+(\w+\W+){{0,3}}{_UTILITY}|{_UTILITY}\W+(\w+\W+){{0,3}}{_CUT}"
    r"|[停断限关]\s*(水|电|气|暖|燃气|供暖)|停止供\s*(水|电|气|暖)",
    re.IGNORECASE,
)


def means_cut_off(text: str) -> bool:
    """Whether ``text`` (a level's name, channel or template) describes cutting off a utility."""
    return bool(_COERCION.search(text or ""))


def coercive_fields(**texts: str) -> list[str]:
    """The names of the given fields whose text means a utility cut-off (Civil Code art. 944)."""
    return [field for field, text in texts.items() if means_cut_off(text)]
