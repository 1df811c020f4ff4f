"""Task sheets (docs/domain.md §7): even distribution, the next action of every outcome, the
score."""

import random
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.collection import (
    NextAction,
    Outcome,
    clearance_rate,
    collector_score,
    distribute,
    next_action,
)

TODAY = date(2026, 4, 10)


def totals(piles: dict, amounts: dict) -> dict:
    return {s: sum((amounts[i] for i in ids), D("0")) for s, ids in piles.items()}


def check_even(items, staff, piles) -> dict:
    """Every item dealt once, counts within one; returns the piles' totals."""
    dealt = [i for ids in piles.values() for i in ids]
    assert sorted(dealt) == sorted(i for i, _ in items)
    counts = [len(ids) for ids in piles.values()]
    assert max(counts) - min(counts) <= 1
    assert list(piles) == list(staff)
    return totals(piles, dict(items))


def test_600_units_over_58_staff_each_gets_10_or_11_with_amounts_balanced():
    rng = random.Random(2026)
    # arrears of a few months to a few years of fees: ¥300 to ¥12,000
    items = [(n, D(rng.randrange(30_000, 1_200_000)) / 100) for n in range(600)]
    staff = [f"staff{n}" for n in range(58)]
    piles = distribute(items, staff)
    sums = check_even(items, staff, piles)
    assert sorted(len(ids) for ids in piles.values()) == [10] * 38 + [11] * 20
    mean = sum(sums.values()) / len(sums)
    spread = max(sums.values()) - min(sums.values())
    # measured: ¥12.13 between the heaviest and the lightest pile, mean ¥66,768.80 (0.018 %)
    assert spread < D("0.0005") * mean
    assert spread < min(amount for _, amount in items)  # less than any single unit's debt


def test_a_huge_debt_fills_one_pile_with_the_smallest_others():
    """One unit owing more than a fair share: its pile gets the smallest units besides it, which
    is the least any pile holding it can weigh."""
    items = [(0, D("50000.00"))] + [(n, D(100 + n)) for n in range(1, 40)]
    piles = distribute(items, ["a", "b", "c", "d"])
    check_even(items, ["a", "b", "c", "d"], piles)
    heavy = next(ids for ids in piles.values() if 0 in ids)
    assert sorted(heavy) == list(range(10))


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(amounts, max_size=80),
    staff_count=st.integers(min_value=1, max_value=12),
)
def test_distribution_is_even_and_locally_balanced(values, staff_count):
    """Counts within one; the amount spread at most the largest amount; and no exchange between
    the heaviest and the lightest pile would bring them closer."""
    items = list(enumerate(values))
    staff = list(range(staff_count))
    piles = distribute(items, staff)
    sums = check_even(items, staff, piles)
    spread = max(sums.values()) - min(sums.values())
    assert spread <= max(values, default=D("0"))
    order = sorted(sums, key=sums.get)
    light, heavy = order[0], order[-1]
    amount = dict(items)
    for h in piles[heavy]:
        for k in [*piles[light], None]:
            if k is None and len(piles[heavy]) <= len(piles[light]):
                continue
            moved = amount[h] - (amount[k] if k is not None else 0)
            assert not 0 < moved < spread


def test_distribution_is_deterministic_and_refuses_no_staff():
    items = [(n, D("100.00")) for n in range(7)]
    assert distribute(items, [1, 2, 3]) == distribute(items, [1, 2, 3])
    assert distribute([], [1, 2]) == {1: [], 2: []}
    with pytest.raises(ValueError, match="no staff"):
        distribute(items, [])
    with pytest.raises(ValueError, match="twice"):
        distribute(items, [1, 1])


@pytest.mark.parametrize(
    ("outcome", "promised", "action", "due"),
    [
        (Outcome.PROMISED, date(2026, 4, 20), NextAction.REMIND_BEFORE_PROMISE, date(2026, 4, 19)),
        (Outcome.PROMISED, date(2026, 4, 11), NextAction.REMIND_BEFORE_PROMISE, TODAY),
        (Outcome.PROMISED, TODAY, NextAction.REMIND_BEFORE_PROMISE, TODAY),
        (Outcome.UNDETERMINED, None, NextAction.CONTACT_AGAIN, date(2026, 4, 11)),
        (Outcome.UNREACHABLE, None, NextAction.FIND_CONTACT_VISIT, date(2026, 4, 11)),
        (Outcome.AWAY, None, NextAction.GUIDE_REMOTE_PAYMENT, date(2026, 4, 11)),
        (Outcome.REFUSED, None, NextAction.MANAGER_FOLLOW_UP, TODAY),
    ],
)
def test_every_outcome_sets_its_next_action(outcome, promised, action, due):
    assert next_action(outcome, promised, TODAY) == (action, due)


def test_a_promise_needs_its_date():
    with pytest.raises(ValueError):
        next_action(Outcome.PROMISED, None, TODAY)


@pytest.mark.parametrize(
    ("rate", "score"),
    [
        (D("1"), 100),
        (D("0.90"), 100),
        (D("0.8999"), 80),
        (D("0.80"), 80),
        (D("0.7999"), 70),
        (D("0.70"), 70),
        (D("0.6999"), 0),
        (D("0"), 0),
        (None, 0),
    ],
)
def test_collector_score_steps(rate, score):
    assert collector_score(rate) == score


def test_clearance_rate():
    assert clearance_rate(D("650.00"), D("800.00")) == D("0.8125")
    assert clearance_rate(D("0"), D("800.00")) == D("0")
    assert clearance_rate(D("5"), D("0")) is None
