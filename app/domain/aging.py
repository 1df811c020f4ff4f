"""Aging of arrears (docs/domain.md §5): a bill is overdue on day D when its balance is positive and
D is after its due date; its days overdue are D − due date, in one of five buckets."""

from datetime import date, timedelta

# (key, first day, last day or None): the keys are stable (API, filters), the labels translated
BUCKETS = (
    ("1-30", 1, 30),
    ("31-90", 31, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("365+", 366, None),
)
BUCKET_KEYS = tuple(key for key, _, _ in BUCKETS)


def days_overdue(due: date, on: date) -> int:
    """Days past ``due`` on day ``on``; 0 when not yet overdue."""
    return max((on - due).days, 0)


def bucket_of(days: int) -> str | None:
    """The bucket key of ``days`` overdue, or None when not overdue."""
    for key, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    return None


def due_dates_of(bucket: str, on: date) -> tuple[date | None, date]:
    """The due dates whose bills are in ``bucket`` on day ``on``: (earliest or None, latest)."""
    for key, first, last in BUCKETS:
        if key == bucket:
            earliest = None if last is None else on - timedelta(days=last)
            return earliest, on - timedelta(days=first)
    raise ValueError(f"unknown aging bucket {bucket!r}")
