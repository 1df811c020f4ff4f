"""``/api/v1/supervision_check`` and ``/api/v1/rectification``: who may do what, a check with
its findings in one request, the rectification lifecycle, the ledger, scoping and export."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import business_date
from app.models import AuditLog, Rectification, SupervisionCheck
from app.services.supervision import mark_rectified
from tests.collection import user_id
from tests.supervision import finding, make_check

CHECKS, RECTIFICATIONS = "/api/v1/supervision_check/", "/api/v1/rectification/"
TODAY = business_date()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def body(session, **kw) -> dict:
    deadline = (TODAY + timedelta(days=7)).isoformat()
    return {
        "community": 1,
        "kind": "surprise",
        "checked_on": (TODAY - timedelta(days=1)).isoformat(),
        "inspector": "品质部 李工",
        "summary": "夜间突击检查",
        "findings": [
            {
                "severity": "critical",
                "description": "消控室无人值守",
                "responsible": user_id(session, "customerservice"),
                "deadline": deadline,
            },
            {
                "severity": "general",
                "description": "巡更记录缺漏",
                "responsible": user_id(session, "collector"),
                "deadline": deadline,
            },
        ],
    } | kw


@pytest.fixture
def reported(session):
    """A check with one finding (the collector responsible), reported rectified by it."""
    check_id = make_check(session, finding(session))
    item_id = session.get(SupervisionCheck, check_id).findings[0].rectification.id
    mark_rectified(session, item_id, "已清理", "collector")
    session.commit()
    return item_id


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
def test_a_manager_records_a_check_with_its_findings(client, api, session, role, status):
    response = client.post(CHECKS, json=body(session), headers=api(role))
    assert response.status_code == status, response.json
    if status == 201:
        findings = response.json["findings"]
        assert [f["severity"] for f in findings] == ["critical", "general"]
        assert findings[0]["rectification"]["status"] == "open"
        check = session.get(SupervisionCheck, response.json["id"])
        assert (check.recorded_by, len(check.findings)) == (role.lower(), 2)
    else:
        assert count(session, SupervisionCheck) == 0


def test_a_deadline_before_the_check_is_refused_and_nothing_written(client, api, session):
    request = body(session)
    request["findings"][1]["deadline"] = (TODAY - timedelta(days=2)).isoformat()
    response = client.post(CHECKS, json=request | {"inspector": ""}, headers=api("Manager"))
    assert response.status_code == 400
    assert set(response.json["message"]) == {"inspector"}
    response = client.post(CHECKS, json=request, headers=api("Manager"))
    assert response.status_code == 400
    assert set(response.json["message"]) == {"findings.1.deadline"}
    assert count(session, SupervisionCheck) == count(session, Rectification) == 0


def test_a_check_of_another_community_is_not_found(client, api, session):
    response = client.post(CHECKS, json=body(session, community=2), headers=api("Manager"))
    assert response.status_code == 404


def test_a_finding_is_added_and_a_check_changed(client, api, session):
    check_id = make_check(session)
    extra = finding(session, "finance", 3) | {"deadline": (TODAY + timedelta(days=3)).isoformat()}
    response = client.post(f"{CHECKS}{check_id}/finding", json=extra, headers=api("Manager"))
    assert response.status_code == 201, response.json
    assert response.json["rectification"]["responsible"] == user_id(session, "finance")
    assert (
        client.post(
            f"{CHECKS}{check_id}/finding", json=extra, headers=api("CustomerService")
        ).status_code
        == 403
    )
    moved = client.put(
        f"{CHECKS}{check_id}",
        json={"checked_on": (TODAY + timedelta(days=4)).isoformat()},
        headers=api("Manager"),
    )
    assert moved.status_code == 400 and set(moved.json["message"]) == {"checked_on"}
    renamed = client.put(f"{CHECKS}{check_id}", json={"inspector": "王工"}, headers=api("Manager"))
    assert renamed.status_code == 200, renamed.json
    assert (
        client.get(f"{CHECKS}{check_id}", headers=api("Auditor")).json["result"]["inspector"]
        == "王工"
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 404),
        ("CustomerService", 200),
        ("Collector", 200),
        ("Auditor", 403),
    ],
)
def test_who_reports_a_rectification_done(client, api, session, role, status):
    """The collector is responsible; finance is not, so it does not even see it."""
    check_id = make_check(session, finding(session, "collector"))
    item_id = session.get(SupervisionCheck, check_id).findings[0].rectification.id
    response = client.post(
        f"{RECTIFICATIONS}{item_id}/rectified", json={"note": "已整改"}, headers=api(role)
    )
    assert response.status_code == status, response.json
    session.expire_all()
    assert session.get(Rectification, item_id).status == ("rectified" if status == 200 else "open")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 403),
        ("CustomerService", 403),
        ("Collector", 403),
        ("Auditor", 403),
    ],
)
def test_only_a_manager_accepts(client, api, session, reported, role, status):
    response = client.post(f"{RECTIFICATIONS}{reported}/accept", json={}, headers=api(role))
    assert response.status_code == status, response.json
    session.expire_all()
    assert session.get(Rectification, reported).status == (
        "accepted" if status == 200 else "rectified"
    )


def test_customer_service_cannot_approve_a_rectification(client, api, session, reported):
    for decision in ("accept", "reject"):
        response = client.post(
            f"{RECTIFICATIONS}{reported}/{decision}",
            json={"note": "否"},
            headers=api("CustomerService"),
        )
        assert response.status_code == 403
    assert session.get(Rectification, reported).status == "rectified"


def test_a_manager_rejects_with_a_note(client, api, session, reported):
    without = client.post(f"{RECTIFICATIONS}{reported}/reject", json={}, headers=api("Manager"))
    assert without.status_code == 400 and set(without.json["message"]) == {"note"}
    response = client.post(
        f"{RECTIFICATIONS}{reported}/reject", json={"note": "仍有堆物"}, headers=api("Manager")
    )
    assert response.status_code == 200
    assert (response.json["status"], response.json["rejections"]) == ("open", 1)


def test_an_auditor_reads_and_exports_but_changes_nothing(client, api, session, reported):
    headers = api("Auditor")
    assert client.get(RECTIFICATIONS, headers=headers).json["count"] == 1
    assert client.get(CHECKS, headers=headers).json["count"] == 1
    export = client.get(f"{RECTIFICATIONS}export/?format=csv", headers=headers)
    assert export.status_code == 200
    assert "消防通道堆物" in export.get_data().decode("utf-8-sig")
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "export", AuditLog.table_name == "rectification")
        )
        == 1
    )
    for path, payload in (
        (f"{RECTIFICATIONS}{reported}/accept", {}),
        (f"{RECTIFICATIONS}{reported}/reject", {"note": "x"}),
        (f"{CHECKS}", body(session)),
        (f"{CHECKS}1/finding", finding(session)),
    ):
        assert client.post(path, json=payload, headers=headers).status_code == 403
    assert client.put(f"{CHECKS}1", json={"inspector": "x"}, headers=headers).status_code == 403


def test_finance_and_collectors_see_only_their_own(client, api, session):
    make_check(
        session, finding(session, "collector"), finding(session, "finance", text="收费公示缺失")
    )
    seen = {
        role: [
            row["description"]
            for row in client.get(RECTIFICATIONS, headers=api(role)).json["result"]
        ]
        for role in ("Finance", "Collector", "CustomerService")
    }
    assert seen["Finance"] == ["收费公示缺失"]
    assert seen["Collector"] == ["消防通道堆物"]
    assert sorted(seen["CustomerService"]) == sorted(["收费公示缺失", "消防通道堆物"])
    ledger = client.get(f"{RECTIFICATIONS}ledger", headers=api("Finance")).json
    assert [line["description"] for line in ledger["lines"]] == ["收费公示缺失"]


def test_the_ledger_as_of_a_day(client, api, session):
    make_check(
        session, finding(session, deadline_days=-2), finding(session, "finance"), days_ago=15
    )
    response = client.get(f"{RECTIFICATIONS}ledger?status=overdue", headers=api("Auditor"))
    assert response.status_code == 200
    assert response.json["counts"] == {"open": 0, "rectified": 0, "accepted": 0, "overdue": 1}
    assert response.json["lines"][0]["days_overdue"] == 2
    earlier = (TODAY - timedelta(days=20)).isoformat()
    assert (
        client.get(f"{RECTIFICATIONS}ledger?as_of={earlier}", headers=api("Manager")).json["lines"]
        == []
    )
    bad = client.get(f"{RECTIFICATIONS}ledger?as_of=yesterday", headers=api("Manager"))
    assert bad.status_code == 400 and set(bad.json["message"]) == {"as_of"}
    other = client.get(f"{RECTIFICATIONS}ledger?community_id=2", headers=api("Manager"))
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("role", "checks"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 403),
        ("CustomerService", 200),
        ("Collector", 403),
        ("Auditor", 200),
    ],
)
def test_who_reads_checks_and_the_ledger(client, api, role, checks):
    assert client.get(CHECKS, headers=api(role)).status_code == checks
    assert client.get(f"{RECTIFICATIONS}ledger", headers=api(role)).status_code == 200
