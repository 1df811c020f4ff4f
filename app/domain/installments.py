"""Installment agreements (分期/暂缓协议, docs/domain.md §8): schedules and how payments fill them.

A schedule is the down payment (instalment 0, due on the agreement's date; left out when there
is none) followed by instalments 1..N with rising due dates; it must sum *exactly* to the
covered total. Equal monthly instalments are the total less the down payment split to the fen,
the last one taking the remainder. Money paid toward an agreement fills instalment 0, then 1,
then 2, … (whatever the owner meant). An agreement is completed when the covered total is paid,
and defaulted on the first day an instalment is unpaid more than ``grace_days`` past its due
date; until then it is on track.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from .money import ZERO, split_evenly

DOWN_PAYMENT = 0  # the sequence number of the down payment
MAX_INSTALMENTS = 60


@dataclass(frozen=True)
class Instalment:
    seq: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Filled:
    """One instalment with what has been paid of it."""

    seq: int
    due_date: date
    amount: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class Standing(StrEnum):
    ON_TRACK = "on_track"
    COMPLETED = "completed"
    DEFAULTED = "defaulted"


def monthly_schedule(
    total: Decimal, down_payment: Decimal, count: int, first_due: date, agreed_on: date
) -> list[Instalment]:
    """The down payment (if any) on ``agreed_on`` and ``count`` equal monthly instalments from
    ``first_due`` (the same day of each later month, or its last day) summing to ``total``."""
    parts = split_evenly(total - down_payment, count)
    schedule = [Instalment(DOWN_PAYMENT, agreed_on, down_payment)] if down_payment > 0 else []
    schedule += [
        Instalment(n, first_due + relativedelta(months=n - 1), amount)
        for n, amount in enumerate(parts, start=1)
    ]
    return schedule


def schedule_total(schedule: Sequence[Instalment]) -> Decimal:
    return sum((item.amount for item in schedule), ZERO)


def fill(schedule: Sequence[Instalment], paid: Decimal) -> list[Filled]:
    """What ``paid`` covers of each instalment, in order."""
    left, filled = max(paid, ZERO), []
    for item in sorted(schedule, key=lambda i: i.seq):
        share = min(left, item.amount)
        left -= share
        filled.append(Filled(item.seq, item.due_date, item.amount, share))
    return filled


def days_late(item: Filled, on: date) -> int:
    """Days an instalment with money outstanding is past its due date on ``on`` (0: not late)."""
    return max((on - item.due_date).days, 0) if item.outstanding > 0 else 0


def standing(schedule: Sequence[Instalment], paid: Decimal, on: date, grace_days: int) -> Standing:
    """Completed once the whole schedule is paid; defaulted when an instalment is unpaid more
    than ``grace_days`` days after its due date on ``on``; else on track."""
    if paid >= schedule_total(schedule):
        return Standing.COMPLETED
    if any(days_late(item, on) > grace_days for item in fill(schedule, paid)):
        return Standing.DEFAULTED
    return Standing.ON_TRACK
