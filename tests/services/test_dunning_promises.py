"""A promise to pay recorded before the unit's first dunning scan (docs/domain.md §6, §7): it holds
the unit back (no case, no action) until its day has passed; broken, the scan that opens the case
escalates as the levels say; kept, no case opens. On SQLite and PostgreSQL.

Community A is billed January to March 2026 (due 31 January, 3 March and 31 March). On
31 March unit 1 (A业主甲) has ¥407.50 overdue, 59 days; unit 2 (A业主乙) ¥412.50. A campaign
of that day deals unit 1 to customer service, who records the promise; the dunning scan has
never run.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import CollectionTask, DunningAction, DunningCase
from app.services.billing import run_billing
from app.services.collection import create_campaign
from app.services.collection_tasks import record_contact
from app.services.dunning import scan_dunning
from app.services.payments import record_payment
from app.services.promises import promised_units
from tests.collection import staff_ids

MARCH_31 = date(2026, 3, 31)
PROMISED = date(2026, 4, 10)
AT = datetime(2026, 3, 31, 2, tzinfo=UTC)  # 10:00 on 31 March in Shanghai


@pytest.fixture
def promised(db) -> CollectionTask:
    """Unit 1's task, whose owner promised ¥407.50 by 10 April before any dunning scan."""
    for month in (1, 2, 3):
        run_billing(db, date(2026, month, 1), community_id=1)
    campaign = create_campaign(db, 1, "三月清欠", staff_ids(db), as_of=MARCH_31, actor="manager")
    task = next(t for t in campaign.tasks if t.unit_id == 1)
    record_contact(db, task.id, "phone", "promised", PROMISED, "407.50", at=AT, actor="cs")
    assert db.scalar(select(DunningCase)) is None  # nothing to pause yet: the promise is kept
    return task


def case_of(db, unit_id: int) -> DunningCase | None:
    return db.scalar(
        select(DunningCase).where(DunningCase.unit_id == unit_id, DunningCase.closed_on.is_(None))
    )


def levels(db, unit_id: int) -> list[tuple[date, int]]:
    return [
        (a.scheduled_on, a.level)
        for a in db.scalars(
            select(DunningAction).where(DunningAction.unit_id == unit_id).order_by(DunningAction.id)
        )
    ]


def test_the_promise_holds_the_unit_until_its_day_then_a_broken_one_escalates(db, promised):
    assert promised_units(db, MARCH_31) == {1: PROMISED}
    first = scan_dunning(db, MARCH_31)
    assert (first.paused, first.cases_opened) == (1, 1)  # unit 2 opens its case, unit 1 waits
    assert case_of(db, 1) is None and levels(db, 2) == [(MARCH_31, 2)]  # the letter: 59 days
    for day in (date(2026, 4, 1), date(2026, 4, 5), PROMISED):  # 60 days reached: still held
        assert scan_dunning(db, day).paused == 1
        assert case_of(db, 1) is None
    assert promised_units(db, PROMISED + timedelta(days=1)) == {}
    broken = scan_dunning(db, PROMISED + timedelta(days=1))
    case = case_of(db, 1)
    assert (broken.paused, broken.cases_opened, case.opened_on) == (0, 1, date(2026, 4, 11))
    # as the levels say for 70 days: the formal letter and the key follow-up, no reminder
    assert levels(db, 1) == [(date(2026, 4, 11), 2), (date(2026, 4, 11), 3)]
    assert (case.level, case.pause_kind) == (3, None)


def test_a_kept_promise_never_opens_a_case(db, promised):
    scan_dunning(db, MARCH_31)
    scan_dunning(db, date(2026, 4, 7))
    # everything owed, late fees included, before the promised day (the rest stays as credit)
    record_payment(db, 1, "700.00", "cash", paid_at=datetime(2026, 4, 8, 3, tzinfo=UTC))
    for day in (PROMISED, date(2026, 4, 11), date(2026, 4, 20)):
        scan_dunning(db, day)
    assert (
        levels(db, 1) == []
        and db.scalar(select(DunningCase).where(DunningCase.unit_id == 1)) is None
    )


def test_the_latest_promise_not_past_holds(db, promised):
    later = date(2026, 4, 20)
    at = datetime(2026, 4, 2, 2, tzinfo=UTC)
    record_contact(db, promised.id, "phone", "promised", later, "407.50", at=at, actor="cs")
    assert promised_units(db, date(2026, 4, 11)) == {1: later}
    scan_dunning(db, date(2026, 4, 11))
    assert case_of(db, 1) is None
    scan_dunning(db, later + timedelta(days=1))
    assert [level for _, level in levels(db, 1)] == [2, 3]
