"""``/api/v1/collection_campaign`` and ``/api/v1/collection_task``: who may do what, scoping
(a collector sees only its own tasks, with its owners' phones), contacts and the report."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import business_date
from app.models import CollectionCampaign, CollectionTask, ContactAttempt
from tests.collection import bill_first_quarter, staff_ids, start_campaign

CAMPAIGNS, TASKS = "/api/v1/collection_campaign/", "/api/v1/collection_task/"


@pytest.fixture
def billed(session):
    bill_first_quarter(session)


@pytest.fixture
def staff(session):
    return staff_ids(session)


@pytest.fixture
def campaign(session):
    return start_campaign(session)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 201),
        ("Manager", 201),
        ("Finance", 403),
        ("CustomerService", 403),
        ("Collector", 403),
        ("Auditor", 403),
    ],
)
def test_only_a_manager_creates_a_campaign(client, api, session, billed, staff, role, status):
    body = {"community": 1, "name": "三月清欠", "staff": staff, "min_days_overdue": 30}
    response = client.post(CAMPAIGNS, json=body, headers=api(role))
    assert response.status_code == status, response.json
    if status == 201:
        assert response.json["tasks"] == 2 and response.json["status"] == "active"
        campaign = session.get(CollectionCampaign, response.json["id"])
        assert campaign.created_by == role.lower()
    else:
        assert count(session, CollectionCampaign) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"staff": []}, {"staff"}),
        (
            {"name": "", "min_amount": "abc", "min_days_overdue": 0},
            {"name", "min_amount", "min_days_overdue"},
        ),
        ({"min_amount": "99999"}, {"min_days_overdue"}),  # no unit owes that much
    ],
)
def test_bad_campaigns_answer_400_and_write_nothing(
    client, api, session, billed, staff, body, fields
):
    request = {"community": 1, "name": "清欠", "staff": staff} | body
    response = client.post(CAMPAIGNS, json=request, headers=api("Manager"))
    assert response.status_code == 400
    assert set(response.json["message"]) == fields
    assert count(session, CollectionCampaign) == count(session, CollectionTask) == 0


def test_another_communitys_campaign_is_not_found(client, api, billed, staff):
    body = {"community": 2, "name": "碧园", "staff": staff}
    assert client.post(CAMPAIGNS, json=body, headers=api("Manager")).status_code == 404


@pytest.mark.parametrize(
    ("role", "units", "phones"),
    [
        ("Collector", ["1-1-102"], ["13912345679"]),
        ("CustomerService", ["1-1-101", "1-1-102"], ["13812345678", "13912345679"]),
        ("Manager", ["1-1-101", "1-1-102"], ["138****5678", "139****5679"]),
        ("Auditor", ["1-1-101", "1-1-102"], ["138****5678", "139****5679"]),
    ],
)
def test_a_collector_sees_only_its_own_tasks(client, api, campaign, role, units, phones):
    rows = client.get(TASKS, headers=api(role)).json["result"]
    rows.sort(key=lambda row: row["unit"]["code"])
    assert [row["unit"]["code"] for row in rows] == units
    assert [row["phone"] for row in rows] == phones
    assert {row["next_action"] for row in rows} == {"first_contact"}


def test_finance_reads_no_tasks_and_a_collector_no_other_task(client, api, session, campaign):
    assert client.get(TASKS, headers=api("Finance")).status_code == 403
    others = session.scalar(select(CollectionTask.id).where(CollectionTask.unit_id == 1))
    assert client.get(f"{TASKS}{others}", headers=api("Collector")).status_code == 404
    response = client.post(
        f"{TASKS}{others}/contact",
        headers=api("Collector"),
        json={"channel": "phone", "outcome": "away"},
    )
    assert response.status_code == 404
    assert count(session, ContactAttempt) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [("Collector", 201), ("CustomerService", 201), ("Manager", 403), ("Auditor", 403)],
)
def test_who_records_contacts(client, api, session, campaign, role, status):
    own = session.scalar(select(CollectionTask.id).where(CollectionTask.unit_id == 2))
    promised = (business_date() + timedelta(days=5)).isoformat()
    response = client.post(
        f"{TASKS}{own}/contact",
        headers=api(role),
        json={
            "channel": "phone",
            "outcome": "promised",
            "promised_date": promised,
            "promised_amount": "618.75",
            "note": "月底发工资后交",
        },
    )
    assert response.status_code == status
    if status == 201:
        assert response.json | {"id": 0} == {
            "id": 0,
            "task_id": own,
            "outcome": "promised",
            "status": "promised",
            "next_action": "remind_before_promise",
            "complaint_needed": False,
            "next_due": (business_date() + timedelta(days=4)).isoformat(),
        }
        assert session.get(ContactAttempt, response.json["id"]).recorded_by == role.lower()


def test_a_refusal_needs_its_reason_and_flags_a_complaint(client, api, session, campaign):
    own = session.scalar(select(CollectionTask.id).where(CollectionTask.unit_id == 2))
    url = f"{TASKS}{own}/contact"
    refused = client.post(
        url, headers=api("Collector"), json={"channel": "visit", "outcome": "refused"}
    )
    assert refused.status_code == 400 and set(refused.json["message"]) == {"refusal_reason"}
    assert count(session, ContactAttempt) == 0
    response = client.post(
        url,
        headers=api("Collector"),
        json={"channel": "visit", "outcome": "refused", "refusal_reason": "楼道漏水三个月无人修"},
    )
    assert response.status_code == 201
    assert (
        response.json["status"],
        response.json["next_action"],
        response.json["complaint_needed"],
    ) == ("escalated", "manager_follow_up", True)
    past = client.post(
        url,
        headers=api("Collector"),
        json={
            "channel": "phone",
            "outcome": "promised",
            "promised_date": "2020-01-01",
            "promised_amount": "10",
        },
    )
    assert past.status_code == 400 and set(past.json["message"]) == {"promised_date"}


def test_report_and_close(client, api, campaign):
    report = client.get(f"{CAMPAIGNS}{campaign}/report", headers=api("Finance"))
    assert report.status_code == 200
    assert [
        (row["staff"], row["units"], row["arrears_at_start"], row["score"])
        for row in report.json["staff"]
    ] == [("测试Collector", 1, "618.75", 0), ("测试CustomerService", 1, "611.25", 0)]
    assert report.json["total"]["clearance_rate"] == "0.0000"
    bad = client.get(f"{CAMPAIGNS}{campaign}/report?as_of=yesterday", headers=api("Manager"))
    assert bad.status_code == 400 and set(bad.json["message"]) == {"as_of"}
    assert (
        client.post(f"{CAMPAIGNS}{campaign}/close", headers=api("CustomerService")).status_code
        == 403
    )
    closed = client.post(f"{CAMPAIGNS}{campaign}/close", headers=api("Manager"))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert client.post(f"{CAMPAIGNS}{campaign}/close", headers=api("Manager")).status_code == 400


def test_the_campaign_list_is_scoped_and_not_for_collectors(client, api, campaign):
    assert client.get(CAMPAIGNS, headers=api("Collector")).status_code == 403
    assert client.get(CAMPAIGNS, headers=api("Auditor")).json["count"] == 1
    rows = client.get(CAMPAIGNS, headers=api("Finance")).json["result"]
    assert [(row["name"], row["status"]) for row in rows] == [("三月清欠", "active")]
