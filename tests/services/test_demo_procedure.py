"""The demo's dunning procedure: its key follow-up is a visit (上门催收) 30 days overdue, which
the scan puts on the demo collector's list beside the formal letter of the same day."""

from datetime import date

from sqlalchemy import select

from app.demo import seed_demo
from app.models import Community, DunningAction, DunningLevel
from app.services.billing import run_billing
from app.services.collection_tasks import tasks_due
from app.services.dunning import scan_dunning
from tests.collection import user_id


def level_3(session) -> DunningLevel:
    return session.scalar(select(DunningLevel).where(DunningLevel.level == 3))


def test_the_demo_visits_owners_30_days_overdue(app, session):
    seed_demo(session, app.appbuilder.sm, communities=1, units=4)
    level = level_3(session)
    assert (level.name, level.days, level.channel, level.template) == (
        "上门催收",
        30,
        "visit",
        "home_visit",
    )
    community = session.scalar(select(Community).where(Community.code == "HY"))
    run_billing(session, date(2026, 1, 1), community.id)
    result = scan_dunning(session, date(2026, 3, 2))  # 30 days after January's due date
    actions = session.scalars(
        select(DunningAction).where(
            DunningAction.community_id == community.id,
            DunningAction.scheduled_on == date(2026, 3, 2),
        )
    ).all()
    visited = sorted(a.unit_id for a in actions if a.channel == "visit")
    assert visited and result.visits == len(visited)
    assert sorted(a.unit_id for a in actions if a.kind == "letter") == visited  # the same day
    tasks, _ = tasks_due(session, user_id(session, "collector"), date(2026, 3, 2))
    assert sorted(t.unit_id for t in tasks if t.next_action == "dunning_visit") == visited
    seed_demo(session, app.appbuilder.sm, communities=1, units=4)  # again: nothing changes
    assert (level_3(session).days, level_3(session).channel) == (30, "visit")


def test_a_level_an_administrator_changed_is_left_alone(app, session):
    level_3(session).days = 45
    session.flush()
    seed_demo(session, app.appbuilder.sm, communities=1, units=2)
    assert (level_3(session).days, level_3(session).channel) == (45, "phone")
