"""``/api/v1/complaint``: who logs and who moves complaints on, scoping to the user's communities,
the operations of the status flow and the follow-up log."""

import pytest
from sqlalchemy import func, select

from app.models import Complaint, ComplaintEntry
from tests.collection import user_id

# Their complaints are received on fixed days of 2026: within the last year of the clock fixture.
pytestmark = pytest.mark.usefixtures("clock")

URL = "/api/v1/complaint/"
BODY = {"unit": 1, "channel": "phone", "category": "cleaning", "description": "楼道垃圾没人清"}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def logged(client, api):
    """A complaint about 1-1-101, received at 23:30 on 10 March in Shanghai."""
    body = BODY | {"received_at": "2026-03-10T23:30:00+08:00"}
    response = client.post(URL, json=body, headers=api("CustomerService"))
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 201),
        ("CustomerService", 201),
        ("Manager", 403),
        ("Finance", 403),
        ("Collector", 403),
        ("Auditor", 403),
    ],
)
def test_customer_service_logs_complaints(client, api, session, role, status):
    response = client.post(URL, json=BODY, headers=api(role))
    assert response.status_code == status, response.json
    if status == 201:
        complaint = session.get(Complaint, response.json["id"])
        assert (complaint.logged_by, complaint.owner.name, complaint.status) == (
            role.lower(),
            "A业主甲",
            "new",
        )
    else:
        assert count(session, Complaint) == 0


# L list, G get, A assign, W any other write; "-" none. No put or delete route, for anybody.
ROLE_MATRIX = {
    "Admin": "LGAW",
    "Manager": "LGA",
    "Finance": "-",
    "CustomerService": "LGAW",
    "Collector": "-",
    "Auditor": "LG",
}


@pytest.mark.parametrize("role", ROLE_MATRIX)
def test_who_reads_and_who_writes(client, api, session, logged, role):
    allowed = ROLE_MATRIX[role]
    headers = api(role)
    cs = user_id(session, "customerservice")
    answers = {
        "L": client.get(URL, headers=headers).status_code,
        "G": client.get(f"{URL}{logged}", headers=headers).status_code,
        "A": client.post(
            f"{URL}{logged}/assign", json={"assignee": cs}, headers=headers
        ).status_code,
        "W": client.post(f"{URL}{logged}/note", json={"note": "回电"}, headers=headers).status_code,
    }
    assert answers == {op: 200 if op in allowed else 403 for op in "LGAW"}
    assert (
        client.put(f"{URL}{logged}", json={"status": "closed"}, headers=headers).status_code == 405
    )
    assert client.delete(f"{URL}{logged}", headers=headers).status_code == 405


def test_the_answer_carries_the_deadlines(client, api, logged):
    row = client.get(f"{URL}{logged}", headers=api("Manager")).json["result"]
    assert (row["received_at"], row["received_on"], row["resolve_by"]) == (
        "2026-03-10T15:30:00+00:00",
        "2026-03-10",
        "2026-03-17",
    )
    assert row["respond_by"] == "2026-03-11T15:30:00+00:00"
    assert (row["unit"]["code"], row["owner"]["name"], row["status"]) == (
        "1-1-101",
        "A业主甲",
        "new",
    )


def test_bad_complaints_answer_400_naming_each_field(client, api, session):
    body = {
        "unit": 1,
        "owner": 2,
        "channel": "fax",
        "category": "",
        "description": "",
        "received_at": "yesterday",
    }
    response = client.post(URL, json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    assert set(response.json["message"]) == {
        "owner",
        "channel",
        "category",
        "description",
        "received_at",
    }
    assert count(session, Complaint) == 0


def test_another_communitys_unit_is_not_found(client, api, session):
    response = client.post(URL, json=BODY | {"unit": 3}, headers=api("CustomerService"))
    assert response.status_code == 404 and set(response.json["message"]) == {"unit"}
    assert client.post(URL, json=BODY | {"unit": 3}, headers=api("Admin")).status_code == 201


def test_the_list_is_scoped(client, api, session):
    for unit in (1, 3):
        assert client.post(URL, json=BODY | {"unit": unit}, headers=api("Admin")).status_code == 201
    units = {
        role: sorted(row["unit"]["id"] for row in client.get(URL, headers=api(role)).json["result"])
        for role in ("CustomerService", "Auditor")
    }
    assert units == {"CustomerService": [1], "Auditor": [1, 3]}
    other = session.scalar(select(Complaint.id).where(Complaint.unit_id == 3))
    assert client.get(f"{URL}{other}", headers=api("Manager")).status_code == 404
    assert (
        client.post(
            f"{URL}{other}/acknowledge", headers=api("CustomerService"), json={}
        ).status_code
        == 404
    )
    for role in ("Finance", "Collector"):
        assert client.get(URL, headers=api(role)).status_code == 403


def test_the_flow_through_the_operations(client, api, session, logged):
    cs = user_id(session, "customerservice")

    def post(op, role="CustomerService", **body):
        return client.post(f"{URL}{logged}/{op}", json=body, headers=api(role))

    assert post("assign", "Manager", assignee=cs, note="交给客服").json["assignee"] == cs
    assert post("acknowledge", "Manager").status_code == 403  # a manager reads and assigns
    assert post("acknowledge").json["status"] == "acknowledged"
    illegal = post("resolve", note="done")
    assert illegal.status_code == 400 and set(illegal.json["message"]) == {"status"}
    assert post("start").json["status"] == "in_progress"
    assert post("note", note="约了明早上门").status_code == 200
    assert set(post("resolve").json["message"]) == {"note"}
    assert post("resolve", note="已清理").json["status"] == "resolved"
    bad = post("return_visit", score=7)
    assert bad.status_code == 400 and bad.json["message"] == {
        "score": ["请填写 1 到 5 的整数。"]
    }  # the API speaks the default locale, zh
    closed = post("return_visit", score=4, note="满意")
    assert (closed.status_code, closed.json["status"], closed.json["satisfaction"]) == (
        200,
        "closed",
        4,
    )
    assert post("reopen", note="又脏了").json["status"] == "reopened"
    log = client.get(f"{URL}{logged}/log", headers=api("Auditor")).json["entries"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in log] == [
        ("logged", None, "new"),
        ("assigned", "new", "new"),
        ("acknowledge", "new", "acknowledged"),
        ("start", "acknowledged", "in_progress"),
        ("note", "in_progress", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("return_visit", "resolved", "closed"),
        ("reopen", "closed", "reopened"),
    ]
    assert (log[1]["by"], log[1]["assignee"], log[6]["score"]) == ("manager", cs, 4)


def test_the_reason_for_not_paying(client, api, logged):
    url = f"{URL}{logged}/nonpayment_reason"
    headers = api("CustomerService")
    assert client.post(url, json={"marked": "yes"}, headers=headers).status_code == 400
    marked = client.post(url, json={"marked": True, "note": "业主因此拒交"}, headers=headers)
    assert marked.status_code == 200 and marked.json["nonpayment_reason"] is True
    again = client.post(url, json={"marked": True}, headers=headers)
    assert again.status_code == 400 and set(again.json["message"]) == {"nonpayment_reason"}
    cleared = client.post(url, json={"marked": False}, headers=headers)
    assert cleared.json["nonpayment_reason"] is False


def test_a_refused_operation_writes_nothing(client, api, session, logged):
    entries = count(session, ComplaintEntry)
    assert (
        client.post(
            f"{URL}{logged}/return_visit", json={"score": 5}, headers=api("CustomerService")
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{URL}{logged}/assign",
            json={"assignee": user_id(session, "finance")},
            headers=api("Manager"),
        ).status_code
        == 400
    )
    assert count(session, ComplaintEntry) == entries


def test_filters_and_export(client, api, logged):
    rows = client.get(
        f"{URL}?q=(filters:!((col:status,opr:eq,value:new)))", headers=api("Auditor")
    ).json["result"]
    assert [row["id"] for row in rows] == [logged]
    export = client.get(f"{URL}export/?format=csv", headers=api("Auditor"))
    assert export.status_code == 200 and "楼道垃圾没人清" in export.get_data(as_text=True)
    assert client.get(f"{URL}export/?format=csv", headers=api("CustomerService")).status_code == 403
