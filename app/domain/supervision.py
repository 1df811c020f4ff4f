"""Supervision rules (docs/domain.md §11): a plan's period and a rectification's status on a day.

A rectification (整改) is ``open`` until its responsible person reports it ``rectified``, and
``accepted`` once a manager has checked the work. It is ``overdue`` on every day after its
deadline until it is accepted: the deadline is for the finding to be closed, so a fix reported
in time but not yet accepted turns overdue too (the ledger still shows when it was reported).
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

OPEN, RECTIFIED, ACCEPTED, OVERDUE = "open", "rectified", "accepted", "overdue"

CYCLE_MONTHS = {"annual": 12, "quarterly": 3, "monthly": 1}


def starts_cycle(cycle: str, day: date) -> bool:
    """Whether a plan of ``cycle`` may start on ``day``: the first day of a year, a calendar
    quarter or a month."""
    months = CYCLE_MONTHS[cycle]
    return day.day == 1 and (day.month - 1) % months == 0


def plan_end(cycle: str, start: date) -> date:
    """The last day of the plan period starting on ``start``."""
    return start + relativedelta(months=CYCLE_MONTHS[cycle]) - timedelta(days=1)


def rectification_status(
    as_of: date, deadline: date, rectified_on: date | None, accepted_on: date | None
) -> str:
    """The status on ``as_of`` of a rectification reported on ``rectified_on`` and accepted on
    ``accepted_on`` (None: not yet)."""
    if accepted_on is not None and accepted_on <= as_of:
        return ACCEPTED
    if as_of > deadline:
        return OVERDUE
    if rectified_on is not None and rectified_on <= as_of:
        return RECTIFIED
    return OPEN


def days_overdue(as_of: date, deadline: date, status: str) -> int:
    """Days past the deadline of an overdue rectification; 0 for any other."""
    return (as_of - deadline).days if status == OVERDUE else 0
