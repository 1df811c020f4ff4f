"""Collection rules end to end over the API: a promise to pay recorded before the unit's first
dunning scan holds it until its day; a dunning level with the visit channel puts a visit on the
collector's list, whose outcome, recorded like a call, shows on the case.

The clock stands at 10:00 on 20 November 2026 in Shanghai. Community A is billed January to
March 2026: unit 1 owes ¥611.25, unit 2 ¥618.75, both long overdue.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.demo import DEMO_VISIT
from app.models import AuditLog, CollectionTask, DunningAction, DunningCase, DunningLevel
from app.models.collection import ContactChannel, ContactOutcome
from jobs import wait
from reports.context import evidence_pack_context
from tests.collection import bill_first_quarter, start_campaign, user_id

pytestmark = pytest.mark.usefixtures("clock")

SCAN, LEVELS = "/api/v1/dunning/scan", "/api/v1/dunning_level/"
TASKS, ACTIONS = "/api/v1/collection_task/", "/api/v1/dunning_action/"


def scan(client, api, day: str) -> dict:
    response = client.post(SCAN, json={"as_of": day}, headers=api("Admin"))
    assert response.status_code == 200, response.json
    return response.json


def levels_of(session, unit_id: int) -> list[tuple[date, int]]:
    session.rollback()
    actions = select(DunningAction).where(DunningAction.unit_id == unit_id)
    return [(a.scheduled_on, a.level) for a in session.scalars(actions.order_by(DunningAction.id))]


def test_a_promise_recorded_before_the_first_scan_holds_the_unit_until_its_day(
    client, api, session, clock, _tokens
):
    start_campaign(session)  # the collector holds unit 2
    task = session.scalar(select(CollectionTask).where(CollectionTask.unit_id == 2))
    promise = {"promised_date": "2026-11-30", "promised_amount": "618.75"}
    response = client.post(
        f"{TASKS}{task.id}/contact",
        json={"channel": "phone", "outcome": "promised", **promise},
        headers=api("Collector"),
    )
    assert response.status_code == 201, response.json
    assert scan(client, api, "2026-11-20")["paused"] == 1
    assert levels_of(session, 2) == [] and levels_of(session, 1) != []
    # No scan of a day still to come: the clock moves on (and the tokens of the past expire).
    clock.move_to(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    _tokens.clear()
    assert scan(client, api, "2026-11-30")["paused"] == 1
    assert levels_of(session, 2) == []
    clock.move_to(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    _tokens.clear()
    broken = scan(client, api, "2026-12-01")
    assert (broken["paused"], broken["cases_opened"]) == (0, 1)
    # long overdue: the formal letter and the key follow-up (legal action waits for the demand)
    assert levels_of(session, 2) == [(date(2026, 12, 1), 2), (date(2026, 12, 1), 3)]
    assert wait(60)


@pytest.fixture
def visit_level(client, api, session):
    """The demo's procedure set by Admin: level 3 is a visit 30 days overdue."""
    level = session.scalar(select(DunningLevel.id).where(DunningLevel.level == 3))
    letter = session.scalar(select(DunningLevel.id).where(DunningLevel.level == 2))
    session.rollback()
    refused = client.put(f"{LEVELS}{letter}", json={"channel": "visit"}, headers=api("Admin"))
    assert (refused.status_code, list(refused.json["message"])) == (400, ["channel"])
    changed = client.put(f"{LEVELS}{level}", json=DEMO_VISIT, headers=api("Admin"))
    assert changed.status_code == 200, changed.json
    bill_first_quarter(session)


def test_a_visit_goes_on_the_collectors_list_and_its_outcome_on_the_case(
    client, api, session, visit_level
):
    result = scan(client, api, "2026-03-05")  # 33 days after January's bill fell due
    assert (result["visits"], result["visits_waiting"]) == (2, 0)
    listed = client.get(TASKS, headers=api("Collector")).json["result"]
    listed.sort(key=lambda t: t["unit"]["code"])
    assert [(t["unit"]["code"], t["next_action"], t["next_due"]) for t in listed] == [
        ("1-1-101", "dunning_visit", "2026-03-05"),
        ("1-1-102", "dunning_visit", "2026-03-05"),
    ]
    task = listed[0]["id"]
    body = {"channel": "visit", "outcome": "away", "note": "邻居说业主在外地"}
    recorded = client.post(f"{TASKS}{task}/contact", json=body, headers=api("Collector"))
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["next_action"] == "guide_remote_payment"
    visits = client.get(
        f"{ACTIONS}?q=(filters:!((col:level,opr:eq,value:3)),order_column:id,order_direction:asc)",
        headers=api("Manager"),
    ).json["result"]
    assert [
        (v["unit"]["code"], v["channel"], v["outcome"], v["task"]["id"], v["attempt"]["channel"])
        for v in visits[:1]
    ] == [("1-1-101", "visit", "away", task, "visit")]
    assert (visits[1]["outcome"], visits[1]["attempt"]) == ("", None)  # not visited yet
    case = session.scalar(select(DunningCase).where(DunningCase.unit_id == 1))
    assert [(a.level, a.outcome) for a in case.actions] == [(2, ""), (3, "away")]
    # The evidence pack of the case lists the visit among its contacts (today, by the clock).
    contacts = evidence_pack_context(session, case.actions[-1].id)["contacts"]
    assert [(c["on"], str(c["channel"]), str(c["outcome"])) for c in contacts] == [
        (date(2026, 11, 20), str(ContactChannel("visit").label), str(ContactOutcome("away").label))
    ]
    collector = user_id(session, "collector")
    trail = session.scalars(
        select(AuditLog.table_name).where(AuditLog.user_id == collector).order_by(AuditLog.id)
    ).all()
    assert {"contact_attempt", "collection_task", "dunning_action"} <= set(trail)
    assert wait(60)
