"""A dunning visit on the screens: Admin makes the key follow-up a visit 30 days overdue; the daily
scan puts it on the collector's "My tasks today"; the collector records what the visit found on
the contact form (the channel preset to a visit); the manager reads it on the case.

The clock stands at 10:00 on 20 November 2026 in Shanghai; the scan runs for 5 March, 33 days
after January's bills fell due.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.audit import acting_as
from app.models import CollectionTask, DunningCase, DunningLevel
from app.services.billing import run_billing
from jobs import wait
from jobs.dunning import scan

pytestmark = pytest.mark.usefixtures("clock")

FORM = {
    "name": "上门催收",
    "days": "30",
    "min_amount": "0.00",
    "channel": "visit",
    "template": "home_visit",
    "active": "y",
}


def level_id(session, number: int) -> int:
    session.rollback()
    return session.scalar(select(DunningLevel.id).where(DunningLevel.level == number))


def test_only_the_key_follow_up_takes_the_visit_channel_on_the_form(login, session):
    client = login("Admin")
    refused = client.post(
        f"/dunninglevelview/edit/{level_id(session, 2)}",
        data=FORM | {"template": "formal_letter"},
        follow_redirects=True,
    )
    assert "只有重点跟进（第 3 级）可设为上门催收" in refused.get_data(as_text=True)
    saved = client.post(f"/dunninglevelview/edit/{level_id(session, 3)}", data=FORM)
    assert saved.status_code == 302
    session.rollback()
    levels = session.scalars(select(DunningLevel).order_by(DunningLevel.level)).all()
    assert [(lv.level, lv.channel, lv.days) for lv in levels[2:4]] == [
        (2, "letter", 30),
        (3, "visit", 30),
    ]


@pytest.fixture
def visits(login, session):
    """The visit level saved by Admin, January billed and the scan of 5 March run."""
    assert (
        login("Admin").post(f"/dunninglevelview/edit/{level_id(session, 3)}", data=FORM).status_code
        == 302
    )
    run_billing(session, date(2026, 1, 1), 1)
    session.commit()
    with acting_as("scan"):
        scan("2026-03-05")
    assert wait(60)  # the formal letters of the same day
    return {t.unit_id: t.id for t in session.scalars(select(CollectionTask))}


def test_the_visit_is_on_my_tasks_and_its_outcome_on_the_case(login, session, visits):
    collector = login("Collector")
    page = collector.get("/collection/my-tasks/").get_data(as_text=True)
    assert page.count("上门催收（催缴等级）") == 2 and "1-1-101" in page and "1-1-102" in page
    form = collector.get(f"/contactformview/{visits[1]}").get_data(as_text=True)
    assert re.search(r'<option selected value="visit">', form)
    response = collector.post(
        f"/contactformview/{visits[1]}",
        data={
            "channel": "visit",
            "outcome": "promised",
            "promised_date": "2026-11-27",
            "promised_amount": "203.75",
            "note": "业主下周五缴清",
        },
    )
    assert response.status_code == 302
    session.rollback()
    case = session.scalar(select(DunningCase).where(DunningCase.unit_id == 1))
    shown = login("Manager").get(f"/dunningcaseview/show/{case.id}").get_data(as_text=True)
    assert "近期交纳（已承诺日期和金额）" in shown  # the visit's outcome among the actions
    assert "承诺缴费" in shown  # and the promise now holds the case
    assert (case.pause_kind, case.paused_until) == ("promise", date(2026, 11, 27))
