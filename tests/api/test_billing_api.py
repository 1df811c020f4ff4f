"""Billing through the API: wiring, permissions, scope (the rules: tests/services/test_billing.py).

The template world bills 203.75 + 206.25 = 410.00 a month in each of communities A and B.
"""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Bill, BillingRun, BillLine
from app.services.billing import run_billing

MARCH = date(2026, 3, 1)


def counts(session):
    session.rollback()
    return [
        session.scalar(select(func.count()).select_from(m)) for m in (Bill, BillLine, BillingRun)
    ]


@pytest.fixture
def billed(session):
    """March billed for every community (one run over all of them), committed."""
    run_billing(session, MARCH, actor="tests")
    session.commit()


def run(client, headers, **body):
    return client.post("/api/v1/billing/run", json=body, headers=headers)


def test_finance_runs_its_community(client, api, session):
    response = run(client, api("Finance"), period="2026-03")  # its only community by default
    assert response.status_code == 201, response.json
    body = response.json
    assert {
        k: body[k] for k in ("period", "dry_run", "created", "bills", "skipped", "failed", "total")
    } == {
        "period": "2026-03",
        "dry_run": False,
        "created": 2,
        "bills": 2,
        "skipped": 0,
        "failed": [],
        "total": "410.00",
    }
    run_row = session.get(BillingRun, body["run_id"])
    assert (run_row.community_id, run_row.started_by) == (1, "finance")
    again = run(client, api("Finance"), period="2026-03", community_id=1).json
    assert (again["created"], again["skipped"], again["total"]) == (0, 2, "0.00")


def test_a_preview_answers_200_and_writes_nothing(client, api, session):
    response = run(client, api("Admin"), period="2026-03", dry_run=True)
    assert response.status_code == 200
    assert (response.json["bills"], response.json["total"], response.json["run_id"]) == (
        4,
        "820.00",
        None,
    )
    assert counts(session) == [0, 0, 0]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"period": "2026-13"},
        {"period": "abc"},
        {"period": "2026-3"},
        {"period": 202603},
        {"period": "2026-03-01"},
    ],
)
def test_a_bad_period_is_400_naming_it(client, api, session, body):
    response = client.post("/api/v1/billing/run", json=body, headers=api("Finance"))
    assert response.status_code == 400
    assert list(response.json["message"]) == ["period"]
    assert counts(session) == [0, 0, 0]


@pytest.mark.parametrize(
    ("role", "community_id"),
    [
        ("Finance", 2),  # community B: not hers
        ("Finance", 99),
        ("Finance", "1"),
        ("Admin", 99),
    ],
)
def test_a_community_out_of_reach_is_400_naming_it(client, api, session, role, community_id):
    response = run(client, api(role), period="2026-03", community_id=community_id)
    assert response.status_code == 400
    assert list(response.json["message"]) == ["community_id"]
    assert counts(session) == [0, 0, 0]


@pytest.mark.parametrize("role", ["Manager", "CustomerService", "Auditor", "Collector"])
def test_only_finance_and_admin_may_run(client, api, session, role):
    assert run(client, api(role), period="2026-03").status_code == 403
    assert counts(session) == [0, 0, 0]


def test_running_needs_credentials(client):
    assert client.post("/api/v1/billing/run", json={"period": "2026-03"}).status_code == 401


# --- bills and runs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "communities"),
    [
        ("Finance", {"A"}),
        ("Manager", {"A"}),
        ("CustomerService", {"A"}),
        ("Auditor", {"A", "B"}),
        ("Admin", {"A", "B"}),
    ],
)
def test_bill_lists_hold_the_users_communities(client, api, billed, role, communities):
    response = client.get("/api/v1/bill/", headers=api(role))
    assert response.status_code == 200
    assert {row["community"]["code"] for row in response.json["result"]} == communities
    assert response.json["count"] == 2 * len(communities)


def test_collectors_see_no_bills_yet(client, api, billed):
    assert client.get("/api/v1/bill/", headers=api("Collector")).status_code == 403


def test_a_bill_of_another_community_is_404(client, api, session, billed):
    b_bill = session.scalar(select(Bill.id).where(Bill.community_id == 2))
    assert client.get(f"/api/v1/bill/{b_bill}", headers=api("Finance")).status_code == 404


def test_bill_fields_with_amounts_as_strings_and_lines(client, api, session, billed):
    bill = session.scalar(select(Bill).where(Bill.community_id == 1).order_by(Bill.id))
    result = client.get(f"/api/v1/bill/{bill.id}", headers=api("Finance")).json["result"]
    assert {
        k: result[k]
        for k in (
            "number",
            "unit",
            "period_start",
            "period_end",
            "due_date",
            "total",
            "paid",
            "waived",
            "balance",
            "status",
        )
    } == {
        "number": bill.number,
        "unit": {"id": 1, "code": "1-1-101"},
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "due_date": "2026-03-31",
        "total": "203.75",
        "paid": "0.00",
        "waived": "0.00",
        "balance": "203.75",
        "status": "open",
    }
    [line] = result["lines"]
    assert (line["name"], line["area"], line["price"], line["amount"]) == (
        "物业服务费",
        "81.50",
        "2.5000",
        "203.75",
    )


def test_bills_are_read_only(client, api, billed):
    headers = api("Admin")
    assert client.post("/api/v1/bill/", json={"number": "X"}, headers=headers).status_code == 405
    assert client.put("/api/v1/bill/1", json={"total": "0"}, headers=headers).status_code == 405
    assert client.delete("/api/v1/bill/1", headers=headers).status_code == 405


def test_an_auditor_exports_bills_as_csv(client, api, session, billed):
    response = client.get("/api/v1/export/bill?format=csv", headers=api("Auditor"))
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))
    assert sorted(row[header.index("合计（元）")] for row in rows) == [
        "203.75",
        "203.75",
        "206.25",
        "206.25",
    ]
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.action, entry.table_name) == ("export", "bill")
    assert client.get("/api/v1/export/bill", headers=api("Finance")).status_code == 403


def test_a_run_over_every_community_is_seen_by_all_seeing_roles_only(client, api, session, billed):
    run_billing(session, date(2026, 4, 1), community_id=1, actor="tests")
    session.commit()
    periods = {
        role: [
            row["period_start"]
            for row in client.get("/api/v1/billing_run/", headers=api(role)).json["result"]
        ]
        for role in ("Manager", "Auditor")
    }
    assert periods == {"Manager": ["2026-04-01"], "Auditor": ["2026-04-01", "2026-03-01"]}
    all_run = session.scalar(select(BillingRun.id).where(BillingRun.community_id.is_(None)))
    assert client.get(f"/api/v1/billing_run/{all_run}", headers=api("Manager")).status_code == 404
