"""Dunning rules: target level, newly reached levels, pauses, the demand deadline, no cut-off."""

from datetime import date
from decimal import Decimal as D

import pytest

from app.domain.dunning import (
    DEFAULT_LEVELS,
    NO_LEVEL,
    Level,
    PauseKind,
    coercive_fields,
    decide,
    demand_expired,
    levels_to_act,
    means_cut_off,
    paused_ceiling,
    target_level,
)

LEVELS = [Level(number, days, D("0.00")) for number, _, days, _, _ in DEFAULT_LEVELS]
FLOOR = D("1.00")


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (-8, None),
        (-7, 0),
        (0, 0),
        (1, 1),
        (29, 1),
        (30, 2),
        (59, 2),
        (60, 3),
        (179, 3),
        (180, 4),
        (900, 4),
    ],
)
def test_target_level_by_days(days, level):
    assert target_level(days, D("200.00"), LEVELS, FLOOR) == level


def test_no_level_under_the_minimum_amount():
    assert target_level(90, D("0.99"), LEVELS, FLOOR) is None
    assert target_level(90, D("1.00"), LEVELS, FLOOR) == 3


def test_a_level_with_a_higher_minimum_is_passed_over():
    levels = [*LEVELS[:2], Level(2, 30, D("500.00")), *LEVELS[3:]]
    assert target_level(45, D("499.99"), levels, FLOOR) == 1
    assert target_level(45, D("500.00"), levels, FLOOR) == 2
    assert target_level(60, D("100.00"), levels, FLOOR) == 3


def test_an_inactive_level_is_never_reached():
    levels = [*LEVELS[:4], Level(4, 180, D("0.00"), active=False)]
    assert target_level(400, D("100.00"), levels, FLOOR) == 3


def test_levels_only_rise_one_action_per_level_newly_reached():
    assert [lv.number for lv in levels_to_act(NO_LEVEL, 0, LEVELS)] == [0]
    assert [lv.number for lv in levels_to_act(0, 1, LEVELS)] == [1]
    assert levels_to_act(2, 1, LEVELS) == []
    assert levels_to_act(2, 2, LEVELS) == []
    assert levels_to_act(2, None, LEVELS) == []


def test_a_jump_keeps_the_letter_and_follow_up_but_drops_redundant_reminders():
    assert [lv.number for lv in levels_to_act(NO_LEVEL, 1, LEVELS)] == [1]
    assert [lv.number for lv in levels_to_act(NO_LEVEL, 2, LEVELS)] == [2]
    assert [lv.number for lv in levels_to_act(0, 3, LEVELS)] == [2, 3]
    assert [lv.number for lv in levels_to_act(1, 4, LEVELS)] == [2, 3, 4]


def test_pauses():
    assert paused_ceiling(2, None) is None
    assert paused_ceiling(2, PauseKind.INSTALLMENT) == 2
    assert paused_ceiling(1, PauseKind.PROMISE) == 1
    assert paused_ceiling(0, PauseKind.COMPLAINT) == 1  # a reminder still goes; nothing more
    assert paused_ceiling(NO_LEVEL, PauseKind.COMPLAINT) == 1
    assert paused_ceiling(3, PauseKind.COMPLAINT) == 3


def _numbers(decision) -> list[int]:
    return [level.number for level in decision.due]


def test_a_decision_acts_on_the_levels_newly_reached():
    first = decide(NO_LEVEL, 45, D("300.00"), LEVELS, FLOOR)
    assert (_numbers(first), first.paused, first.awaiting_demand, first.deferred) == (
        [2],
        False,
        False,
        False,
    )
    assert _numbers(decide(2, 45, D("300.00"), LEVELS, FLOOR)) == []  # nothing new
    assert _numbers(decide(NO_LEVEL, 45, D("0.50"), LEVELS, FLOOR)) == []  # under the floor


def test_a_pause_holds_a_decision_at_its_ceiling():
    held = decide(1, 90, D("300.00"), LEVELS, FLOOR, PauseKind.INSTALLMENT)
    assert (_numbers(held), held.paused) == ([], True)
    complaint = decide(NO_LEVEL, 90, D("300.00"), LEVELS, FLOOR, PauseKind.COMPLAINT)
    assert (_numbers(complaint), complaint.paused) == ([1], True)  # the friendly reminder only
    reached = decide(1, 10, D("300.00"), LEVELS, FLOOR, PauseKind.PROMISE)
    assert (_numbers(reached), reached.paused) == ([], False)  # nothing above it was due


def test_legal_action_waits_for_the_demand_and_asks_only_then():
    asked = []

    def expired(answer: bool):
        def ask() -> bool:
            asked.append(answer)
            return answer

        return ask

    waiting = decide(2, 200, D("900.00"), LEVELS, FLOOR, demand_expired=expired(False))
    assert (_numbers(waiting), waiting.awaiting_demand) == ([3], True)
    ready = decide(3, 200, D("900.00"), LEVELS, FLOOR, demand_expired=expired(True))
    assert (_numbers(ready), ready.awaiting_demand) == ([4], False)
    decide(1, 45, D("300.00"), LEVELS, FLOOR, demand_expired=expired(True))  # no legal target
    assert asked == [False, True]


def test_an_owner_written_to_recently_gets_only_what_lies_below_the_first_message():
    deferred = decide(NO_LEVEL, 5, D("300.00"), LEVELS, FLOOR, written_recently=True)
    assert (_numbers(deferred), deferred.deferred) == ([], True)
    # a letter and the follow-up reached at once: the follow-up lies above the letter, held too
    both = decide(1, 70, D("300.00"), LEVELS, FLOOR, written_recently=True)
    assert (_numbers(both), both.deferred) == ([], True)
    calm = decide(2, 70, D("300.00"), LEVELS, FLOOR, written_recently=True)
    assert (_numbers(calm), calm.deferred) == ([3], False)  # a follow-up writes nothing


def test_the_demand_expires_after_its_deadline_counted_from_delivery():
    deadline = date(2026, 3, 17)
    assert not demand_expired(deadline, None, 15, date(2026, 12, 1))  # never delivered
    assert not demand_expired(deadline, date(2026, 3, 2), 15, date(2026, 3, 17))
    assert demand_expired(deadline, date(2026, 3, 2), 15, date(2026, 3, 18))
    # posted late: the owner still gets the full 15 days
    assert not demand_expired(deadline, date(2026, 3, 10), 15, date(2026, 3, 25))
    assert demand_expired(deadline, date(2026, 3, 10), 15, date(2026, 3, 26))


@pytest.mark.parametrize(
    "text",
    [
        "停水",
        "停电催缴",
        "断水断电",
        "限电",
        "停止供暖",
        "停 气",
        "Cut off water",
        "shut-off electricity",
        "disconnect the power",
        "heating suspended",
        "water cut-off",
    ],
)
def test_a_utility_cut_off_is_recognised(text):
    assert means_cut_off(text)


@pytest.mark.parametrize(
    "text",
    [
        "正式催缴函",
        "温馨提醒",
        "法律途径",
        "停车费提醒",
        "formal_letter",
        "sms",
        "phone",
        "water bill reminder",
        "",
    ],
)
def test_ordinary_levels_are_not_cut_offs(text):
    assert not means_cut_off(text)


def test_coercive_fields_names_each_offending_field():
    assert coercive_fields(name="停水通知", channel="sms", template="断电") == ["name", "template"]
