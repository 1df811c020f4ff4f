from datetime import date

import pytest

from app.domain.aging import BUCKET_KEYS, bucket_of, days_overdue, due_dates_of

ON = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("due", "days", "bucket"),
    [
        (date(2026, 11, 23), 0, None),  # due today: not overdue yet
        (date(2026, 12, 1), 0, None),
        (date(2026, 11, 22), 1, "1-30"),
        (date(2026, 10, 24), 30, "1-30"),
        (date(2026, 10, 23), 31, "31-90"),
        (date(2026, 8, 25), 90, "31-90"),
        (date(2026, 8, 24), 91, "91-180"),
        (date(2026, 5, 27), 180, "91-180"),
        (date(2026, 5, 26), 181, "181-365"),
        (date(2025, 11, 23), 365, "181-365"),
        (date(2025, 11, 22), 366, "365+"),
    ],
)
def test_days_and_buckets_at_every_boundary(due, days, bucket):
    assert days_overdue(due, ON) == days
    assert bucket_of(days) == bucket


@pytest.mark.parametrize("key", BUCKET_KEYS)
def test_due_dates_of_a_bucket_are_exactly_its_bills(key):
    earliest, latest = due_dates_of(key, ON)
    assert bucket_of(days_overdue(latest, ON)) == key
    assert bucket_of(days_overdue(date.fromordinal(latest.toordinal() + 1), ON)) != key
    if earliest is None:
        assert key == "365+"
    else:
        assert bucket_of(days_overdue(earliest, ON)) == key
        assert bucket_of(days_overdue(date.fromordinal(earliest.toordinal() - 1), ON)) != key


def test_an_unknown_bucket_is_refused():
    with pytest.raises(ValueError, match="unknown aging bucket"):
        due_dates_of("1-7", ON)
