"""Collection task sheets (清欠任务单, docs/domain.md §7) and the collector score (§12).

``distribute`` deals units to staff so that counts differ by at most one and amounts are
balanced: units are dealt in rounds of one per staff member, largest amounts first, each round's
largest unit to the lightest pile. Within a round the pile that was lighter gets the larger
unit, so the spread between the heaviest and the lightest pile never exceeds the larger of the
spread before the round and the round's own range (largest − smallest unit of the round; in the
last, partial round the smallest is 0). A final pass swaps units between the heaviest and the
lightest pile while that narrows the spread; swaps keep the counts.

``next_action`` is the table of §7: every outcome class of a contact attempt sets what to do
next and by when.
"""

from collections.abc import Hashable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from .money import ZERO, to_fen
from .rates import rate

Item = TypeVar("Item", bound=Hashable)
Staff = TypeVar("Staff", bound=Hashable)


class Outcome(StrEnum):
    """Outcome class of a contact attempt."""

    PROMISED = "promised"  # 近期交纳: a date and an amount promised
    UNDETERMINED = "undetermined"  # 暂未明确
    UNREACHABLE = "unreachable"  # 无法联系: wrong or stopped number
    AWAY = "away"  # 异地出差
    REFUSED = "refused"  # 特殊拒交: refuses because of facilities or service


class NextAction(StrEnum):
    FIRST_CONTACT = "first_contact"  # a new task: reach the owner by the campaign's deadline
    REMIND_BEFORE_PROMISE = "remind_before_promise"  # the day before the promised date
    CONTACT_AGAIN = "contact_again"  # next day, until a promise is made
    FIND_CONTACT_VISIT = "find_contact_visit"  # find a new number, visit in person
    GUIDE_REMOTE_PAYMENT = "guide_remote_payment"  # next day, explain paying from afar
    MANAGER_FOLLOW_UP = "manager_follow_up"  # escalated: the community manager; a complaint
    DUNNING_VISIT = "dunning_visit"  # a dunning level's visit (上门催收), due on the scan's day


# What each outcome class calls for next (§7).
ACTION_OF = {
    Outcome.PROMISED: NextAction.REMIND_BEFORE_PROMISE,
    Outcome.UNDETERMINED: NextAction.CONTACT_AGAIN,
    Outcome.UNREACHABLE: NextAction.FIND_CONTACT_VISIT,
    Outcome.AWAY: NextAction.GUIDE_REMOTE_PAYMENT,
    Outcome.REFUSED: NextAction.MANAGER_FOLLOW_UP,
}

# Outcomes that reached the owner (the campaign report's "contacted").
REACHED = frozenset(Outcome) - {Outcome.UNREACHABLE}

ONE_DAY = timedelta(days=1)


def next_action(
    outcome: Outcome, promised_date: date | None, today: date
) -> tuple[NextAction, date]:
    """What to do after a contact attempt with ``outcome`` on ``today``, and by which day.

    A promise is reminded of the day before the promised date (today if that is tomorrow or
    today); a refusal goes to the community manager at once; every other outcome calls for a
    new try the next day.
    """
    outcome = Outcome(outcome)
    if outcome is Outcome.PROMISED:
        if promised_date is None:
            raise ValueError("a promise needs its date")
        due = max(promised_date - ONE_DAY, today)
    else:
        due = today if outcome is Outcome.REFUSED else today + ONE_DAY
    return ACTION_OF[outcome], due


def distribute(
    items: Sequence[tuple[Item, Decimal]], staff: Sequence[Staff]
) -> dict[Staff, list[Item]]:
    """Deal ``items`` (id, amount) to ``staff``: counts differ by at most one, amounts balanced.

    Deterministic: ties go to the staff member listed first and to the item listed first.
    """
    if not staff:
        raise ValueError("no staff to distribute to")
    if len(set(staff)) != len(staff):
        raise ValueError("staff listed twice")
    order = sorted(range(len(items)), key=lambda i: (-items[i][1], i))
    piles: dict[Staff, list[int]] = {s: [] for s in staff}
    totals: dict[Staff, Decimal] = dict.fromkeys(staff, ZERO)
    rank = {s: n for n, s in enumerate(staff)}
    for start in range(0, len(order), len(staff)):
        lightest = sorted(staff, key=lambda s: (totals[s], rank[s]))
        for s, i in zip(lightest, order[start : start + len(staff)], strict=False):
            piles[s].append(i)
            totals[s] += items[i][1]
    _narrow(items, piles, totals)
    return {s: [items[i][0] for i in sorted(piles[s])] for s in staff}


def _best_exchange(items, give: list[int], take: list[int], gap: Decimal, move: bool):
    """The exchange between a heavier pile (``give``) and a lighter one (``take``, ``gap``
    lighter) leaving them closest: a swap of one unit each, or, when ``move``, one unit moved
    (the heavier pile holds one unit more). None if nothing narrows their gap."""
    best, best_gap = None, gap
    options: list[tuple[int, int | None]] = [(h, k) for h in give for k in take]
    if move:
        options += [(h, None) for h in give]
    for h, k in options:
        moved = items[h][1] - (items[k][1] if k is not None else ZERO)
        if 0 < moved < gap and abs(gap - 2 * moved) < best_gap:
            best, best_gap = (h, k, moved), abs(gap - 2 * moved)
    return best


def _narrow(items, piles: dict, totals: dict) -> None:
    """Exchange units between the heaviest pile (or else the lightest) and another while that
    brings the two closer. Each exchange strictly lowers the sum of squared totals, so this
    ends; counts stay within one of each other (a unit only moves to a pile holding one less).
    """
    for _ in range(10 * len(items) + 1):  # a safety bound; the descent ends long before
        order = sorted(totals, key=lambda s: totals[s])
        pairs = [(order[-1], s) for s in order[:-1]] + [(s, order[0]) for s in order[-2:0:-1]]
        for heavy, light in pairs:
            move = len(piles[heavy]) > len(piles[light])
            gap = totals[heavy] - totals[light]
            found = _best_exchange(items, piles[heavy], piles[light], gap, move)
            if found is not None:
                break
        else:
            return
        h, k, moved = found
        piles[heavy].remove(h)
        piles[light].append(h)
        if k is not None:
            piles[light].remove(k)
            piles[heavy].append(k)
        totals[heavy] -= moved
        totals[light] += moved


def clearance_rate(collected: Decimal, arrears_at_start: Decimal) -> Decimal | None:
    """清欠率 (§12): collected on the campaign's units ÷ their arrears at start, as a fraction
    to 4 places (0.8125 = 81.25 %); None when there were no arrears."""
    return rate(to_fen(collected), arrears_at_start)


# (lowest clearance rate, score), best first (§12).
SCORE_STEPS = ((Decimal("0.90"), 100), (Decimal("0.80"), 80), (Decimal("0.70"), 70))


def collector_score(rate: Decimal | None) -> int:
    """Clearance ≥ 90 % → 100; ≥ 80 % → 80; ≥ 70 % → 70; below (or nothing to clear) → 0."""
    if rate is None:
        return 0
    return next((score for floor, score in SCORE_STEPS if rate >= floor), 0)
