"""``/api/v1/arrears/``: the finders over HTTP, scoped and checked."""

from datetime import UTC, date, datetime

import pytest

from app.services.billing import run_billing
from app.services.payments import record_payment


@pytest.fixture
def billed(session):
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1))
    record_payment(session, 2, "206.25", "cash", paid_at=datetime(2026, 1, 20, 2, tzinfo=UTC))
    session.commit()


def test_overdue_accounts_of_the_callers_communities(client, api, billed):
    response = client.get("/api/v1/arrears/?as_of=2026-03-31", headers=api("Finance"))
    assert response.status_code == 200
    assert response.json["as_of"] == "2026-03-31"
    assert response.json["accounts"] == [
        {
            "unit_id": 1,
            "unit": "1-1-101",
            "community_id": 1,
            "community": "A",
            "owner_id": 1,
            "owner": "A业主甲",
            "overdue": "407.50",
            "bills": 2,
            "oldest_due": "2026-01-31",
            "days_overdue": 59,
            "bucket": "31-90",
        },
        {
            "unit_id": 2,
            "unit": "1-1-102",
            "community_id": 1,
            "community": "A",
            "owner_id": 2,
            "owner": "A业主乙",
            "overdue": "206.25",
            "bills": 1,
            "oldest_due": "2026-03-03",
            "days_overdue": 28,
            "bucket": "1-30",
        },
    ]


def test_filters_and_all_communities_for_the_auditor(client, api, billed):
    response = client.get(
        "/api/v1/arrears/?as_of=2026-03-31&bucket=31-90&min_amount=410", headers=api("Auditor")
    )
    assert [(a["community"], a["unit"]) for a in response.json["accounts"]] == [("B", "1-1-102")]


def test_aging_and_warning(client, api, billed):
    aging = client.get("/api/v1/arrears/aging?as_of=2026-03-31", headers=api("Manager")).json
    assert aging["communities"] == [
        {
            "community_id": 1,
            "community": "A",
            "units": 2,
            "amount": "613.75",
            "buckets": {
                "1-30": [2, "410.00"],
                "31-90": [1, "203.75"],
                "91-180": [0, "0.00"],
                "181-365": [0, "0.00"],
                "365+": [0, "0.00"],
            },
        },
    ]
    warning = client.get(
        "/api/v1/arrears/warning?as_of=2026-03-25", headers=api("CustomerService")
    ).json
    assert [(b["number"], b["days"]) for b in warning["bills"]] == [
        ("A-202601-1", 53),
        ("A-202602-5", 22),
        ("A-202602-6", 22),
        ("A-202603-9", -6),
        ("A-202603-10", -6),
    ]


def test_bad_parameters_answer_400_naming_each(client, api):
    response = client.get(
        "/api/v1/arrears/?as_of=2026-13-01&bucket=x&min_amount=-1", headers=api("Finance")
    )
    assert response.status_code == 400
    assert set(response.json["message"]) == {"as_of", "bucket", "min_amount"}


@pytest.mark.parametrize("role", ["Finance", "Collector"])
def test_another_community_is_not_found(client, api, role):
    response = client.get("/api/v1/arrears/?community_id=2", headers=api(role))
    assert response.status_code == 404


def test_a_collector_reads_the_arrears_of_its_communities(client, api, billed):
    response = client.get("/api/v1/arrears/?as_of=2026-03-31", headers=api("Collector"))
    assert response.status_code == 200
    assert [(a["community"], a["unit"]) for a in response.json["accounts"]] == [
        ("A", "1-1-101"),
        ("A", "1-1-102"),
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 200),
        ("CustomerService", 200),
        ("Collector", 200),
        ("Auditor", 200),
    ],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/arrears/", "/api/v1/arrears/aging", "/api/v1/arrears/warning"]
)
def test_who_reads_arrears(client, api, role, status, path):
    assert client.get(path, headers=api(role)).status_code == status


def test_no_token_no_arrears(client):
    assert client.get("/api/v1/arrears/").status_code == 401
