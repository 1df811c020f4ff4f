"""Complaint rules (投诉与回访, docs/domain.md §9): the status flow and the deadlines.

Status flow: ``new`` → ``acknowledged`` (the first response) → ``in_progress`` → ``resolved``
→ ``closed`` (by the return visit, which records a 1–5 score). A resolved or closed complaint
may be ``reopened``; a reopened one is worked on again (``in_progress``). Nothing else moves.

Deadlines are fixed when a complaint is logged, from the settings of that moment:

- **first response**: ``received_at + response_hours`` — an instant. A complaint acknowledged at
  or before it answered in time; one still ``new`` after it is overdue.
- **resolution**: business day ``received_on + resolution_days``, where ``received_on`` is the
  business date of receipt (in ``WUYE_TIMEZONE``). Resolved on or before that day (business
  time) is in time; unresolved when that day has ended is overdue. Received at 23:30 in
  Shanghai on 10 March (15:30 UTC), with 7 days: resolve by the end of 17 March, Shanghai time
  (16:00 UTC on the 17th); the response is due at 23:30 on 11 March.

A reopened complaint gets a new resolution day, counted from the business date of reopening.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Step(StrEnum):
    """A move in the status flow (a follow-up entry records each one)."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    RESOLVE = "resolve"
    RETURN_VISIT = "return_visit"
    REOPEN = "reopen"


# step -> (statuses it may start from, status it leads to)
FLOW = {
    Step.ACKNOWLEDGE: ((Status.NEW,), Status.ACKNOWLEDGED),
    Step.START: ((Status.ACKNOWLEDGED, Status.REOPENED), Status.IN_PROGRESS),
    Step.RESOLVE: ((Status.IN_PROGRESS,), Status.RESOLVED),
    Step.RETURN_VISIT: ((Status.RESOLVED,), Status.CLOSED),
    Step.REOPEN: ((Status.RESOLVED, Status.CLOSED), Status.REOPENED),
}

UNRESOLVED = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED)
SCORES = range(1, 6)
SATISFIED = 4  # a return-visit score from which the owner counts as satisfied
REPEAT_DAYS = 90  # a complaint repeats an earlier one of its unit and category this recent


def next_status(step: Step, current: str) -> Status | None:
    """The status ``step`` leads to from ``current``, or None when it may not be taken."""
    sources, target = FLOW[step]
    return target if current in sources else None


def response_due(received_at: datetime, hours: int) -> datetime:
    """The instant by which the first response is due."""
    return received_at + timedelta(hours=hours)


def resolution_day(received_on: date, days: int) -> date:
    """The last business day on which the complaint is resolved in time."""
    return received_on + timedelta(days=days)


def response_late(respond_by: datetime, acknowledged_at: datetime | None, now: datetime) -> bool:
    """Whether the first response missed its deadline (judged at ``now`` if still awaited)."""
    return (acknowledged_at or now) > respond_by


def resolution_late(resolve_by: date, resolved_on: date | None, today: date) -> bool:
    """Whether the resolution missed its day (judged on ``today`` if still awaited)."""
    return (resolved_on or today) > resolve_by


def is_repeat(received_on: date, earlier_on: date) -> bool:
    """Whether a complaint received on ``received_on`` repeats one of its unit and category
    received earlier, on ``earlier_on``: at most ``REPEAT_DAYS`` days before."""
    return timedelta(0) <= received_on - earlier_on <= timedelta(days=REPEAT_DAYS)
