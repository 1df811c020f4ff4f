"""Dunning visits (上门催收): a level with the visit channel puts a visit task on the list of a
collector of the unit's community, whose outcome is recorded like a call's and shows on the
case. On SQLite and PostgreSQL.

Community A is billed for January 2026 (due 31 January): on 5 March units 1 and 2 are 33 days
overdue, past the formal letter (30 days) and the demo's visit (level 3 at 30 days). The
test world's collector is the only Collector of community A; customer service works there too.
"""

from datetime import UTC, date, datetime

import pytest
from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import func, select

from app.demo import DEMO_VISIT
from app.models import (
    CollectionCampaign,
    CollectionTask,
    DunningAction,
    DunningLevel,
    StaffAssignment,
)
from app.services.billing import run_billing
from app.services.collection import create_campaign
from app.services.collection_tasks import record_contact
from app.services.dunning import scan_dunning
from app.services.dunning_levels import validate_level
from app.services.errors import DomainError
from tests.collection import staff_ids, user_id

MARCH_5 = date(2026, 3, 5)
AT = datetime(2026, 3, 6, 2, tzinfo=UTC)  # 10:00 on 6 March in Shanghai


@pytest.fixture
def visiting(db):
    """The demo's procedure (level 3: a visit 30 days overdue) and January's bills."""
    level = db.scalar(select(DunningLevel).where(DunningLevel.level == 3))
    for key, value in DEMO_VISIT.items():
        setattr(level, key, value)
    validate_level(db, level)
    run_billing(db, date(2026, 1, 1), community_id=1)
    db.flush()
    return level


def visits(db) -> list[DunningAction]:
    query = select(DunningAction).where(DunningAction.channel == "visit")
    return list(db.scalars(query.order_by(DunningAction.unit_id)))


def test_the_scan_puts_each_visit_on_the_collectors_list(db, visiting):
    result = scan_dunning(db, MARCH_5, actor="dunning-scan")
    assert (result.visits, result.visits_waiting) == (2, 0)
    actions = visits(db)
    assert [(a.unit_id, a.level, a.kind, a.case.level) for a in actions] == [
        (1, 3, "follow_up", 3),
        (2, 3, "follow_up", 3),
    ]
    collector = user_id(db, "collector")
    tasks = [a.task for a in actions]
    assert [(t.unit_id, t.assignee_id, t.next_action, t.next_due, t.status) for t in tasks] == [
        (1, collector, "dunning_visit", MARCH_5, "new"),
        (2, collector, "dunning_visit", MARCH_5, "new"),
    ]
    assert [t.arrears_at_start for t in tasks] == [a.amount for a in actions]
    campaign = tasks[0].campaign
    assert tasks[1].campaign is campaign
    assert (campaign.name, campaign.started_on, campaign.first_contact_by) == (
        "上门催收 2026-03-05",
        MARCH_5,
        MARCH_5,
    )
    assert (campaign.status, campaign.created_by, campaign.min_days_overdue) == (
        "active",
        "dunning-scan",
        30,
    )
    again = scan_dunning(db, MARCH_5)
    assert (again.actions_created, again.visits) == (0, 0)
    assert db.scalar(select(func.count()).select_from(CollectionTask)) == 2


def test_visits_go_to_the_collector_holding_fewest_open_tasks(db, visiting):
    second = db.scalar(select(User).where(User.username == "customerservice"))
    second.roles.append(db.scalar(select(Role).where(Role.name == "Collector")))
    db.flush()
    scan_dunning(db, MARCH_5)
    assignees = {a.unit_id: a.task.assignee_id for a in visits(db)}
    # the larger arrears (unit 2, ¥206.25) first, to the lowest id; the next to the other one
    assert second.id < user_id(db, "collector")
    assert assignees == {2: second.id, 1: user_id(db, "collector")}


def test_a_unit_in_an_active_campaign_gets_the_visit_on_its_task(db, visiting):
    campaign = create_campaign(db, 1, "三月清欠", staff_ids(db), as_of=date(2026, 3, 2))
    tasks = {t.unit_id: t for t in campaign.tasks}
    promised = tasks[2]
    record_contact(
        db, promised.id, "phone", "promised", "2026-03-04", "206.25", at=AT.replace(day=2)
    )
    scan_dunning(db, MARCH_5)  # the promise of 4 March was broken
    assert {a.unit_id: a.task for a in visits(db)} == tasks
    assert [(t.next_action, t.next_due, t.status) for t in (tasks[1], promised)] == [
        ("dunning_visit", MARCH_5, "new"),
        ("dunning_visit", MARCH_5, "in_progress"),
    ]
    assert db.scalar(select(func.count()).select_from(CollectionCampaign)) == 1


def test_without_a_collector_the_visit_waits_for_one(db, visiting):
    collector = user_id(db, "collector")
    assignment = db.scalar(select(StaffAssignment).where(StaffAssignment.user_id == collector))
    db.delete(assignment)
    db.flush()
    first = scan_dunning(db, MARCH_5)
    assert (first.actions_created, first.visits, first.visits_waiting) == (4, 0, 2)
    assert [a.task for a in visits(db)] == [None, None]
    db.add(StaffAssignment(user_id=collector, community_id=1))
    db.flush()
    later = scan_dunning(db, date(2026, 3, 6))
    assert (later.actions_created, later.visits, later.visits_waiting) == (0, 2, 0)
    assert [(a.task.assignee_id, a.task.next_due) for a in visits(db)] == [
        (collector, date(2026, 3, 6)),
        (collector, date(2026, 3, 6)),
    ]


def test_the_first_contact_on_the_task_is_the_visits_outcome(db, visiting):
    scan_dunning(db, MARCH_5)
    action = visits(db)[0]
    attempt = record_contact(
        db,
        action.task.id,
        "visit",
        "refused",
        refusal_reason="楼道漏水没人修",
        at=AT,
        actor="collector",
    )
    assert (action.attempt, action.outcome) == (attempt, "refused")
    assert (attempt.channel, attempt.recorded_by) == ("visit", "collector")
    assert action.task.next_action == "manager_follow_up"
    record_contact(db, action.task.id, "phone", "undetermined", at=AT.replace(day=7))
    assert (action.attempt, action.outcome) == (attempt, "refused")  # the visit's, kept


@pytest.mark.parametrize("number", [0, 1, 2, 4])
def test_only_the_key_follow_up_can_be_a_visit(db, number):
    level = db.scalar(select(DunningLevel).where(DunningLevel.level == number))
    level.channel = "visit"
    with pytest.raises(DomainError) as refused:
        validate_level(db, level)
    assert list(refused.value.messages) == ["channel"]
    db.rollback()
