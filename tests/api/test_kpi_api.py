"""``/api/v1/kpi/``: the key figures over HTTP (docs/api.md: ``GET /api/v1/kpi/collection``), on the
ledger of ``tests/kpi.py``; scoped to the caller's communities and checked."""

import pytest

from tests.kpi import build_ledger

MARCH = "period=2026-03&as_of=2026-03-31"
ENDPOINTS = ("collection", "year_to_date", "monthly", "old_arrears", "dunning_funnel", "collectors")


@pytest.fixture
def ledger(session):
    build_ledger(session)
    session.commit()


def test_collection_figures_of_the_callers_communities(client, api, ledger):
    response = client.get(f"/api/v1/kpi/collection?{MARCH}", headers=api("Manager"))
    assert response.status_code == 200
    # the manager works for community A: 303.75 ÷ 410.00 (tests/services/test_kpi.py)
    assert response.json == {
        "community_id": None,
        "first_period": "2026-03",
        "period": "2026-03",
        "as_of": "2026-03-31",
        "billed": "410.00",
        "waived": "0.00",
        "collected": "303.75",
        "collection_rate": "0.7409",
        "units_billed": 2,
        "units_paid": 1,
        "household_rate": "0.5000",
        "balance_due": "106.25",
        "overdue_balance": "0.00",
        "overdue_rate": "0.0000",
    }


def test_an_auditor_sees_every_community_or_one(client, api, ledger):
    everything = client.get(f"/api/v1/kpi/collection?{MARCH}", headers=api("Auditor")).json
    assert (everything["collection_rate"], everything["overdue_rate"]) == ("0.6591", "0.6111")
    b = client.get(f"/api/v1/kpi/collection?{MARCH}&community_id=2", headers=api("Auditor")).json
    # B: billed 410.00, waived 50.00, collected unit 3's 203.75: 203.75 ÷ 360.00 = 0.56597…
    assert (b["community_id"], b["billed"], b["waived"], b["collected"]) == (
        2,
        "410.00",
        "50.00",
        "203.75",
    )
    assert (b["collection_rate"], b["units_billed"], b["units_paid"]) == ("0.5660", 2, 1)


def test_no_bills_give_null_rates(client, api, ledger):
    may = client.get(
        "/api/v1/kpi/collection?period=2026-05&as_of=2026-05-31", headers=api("Admin")
    ).json
    assert (may["billed"], may["collection_rate"], may["household_rate"]) == ("0.00", None, None)


def test_the_other_figures(client, api, ledger):
    headers = api("Auditor")
    ytd = client.get(f"/api/v1/kpi/year_to_date?{MARCH}", headers=headers).json
    assert (ytd["first_period"], ytd["collected"], ytd["collection_rate"]) == (
        "2026-01",
        "1735.00",
        "0.7199",
    )
    monthly = client.get(f"/api/v1/kpi/monthly?{MARCH}", headers=headers).json["rates"]
    assert len(monthly) == 12 and monthly[0]["period"] == "2025-04"
    assert monthly[-2:] == [
        {"period": "2026-02", "at_month_end": "0.7485", "to_date": "0.7485"},
        {"period": "2026-03", "at_month_end": "0.6591", "to_date": "0.6591"},
    ]
    old = client.get(
        "/api/v1/kpi/old_arrears?period=2026-02&as_of=2026-02-28", headers=headers
    ).json
    assert (old["recovered"], old["still_open"], old["recovery_rate"]) == (
        "206.25",
        "206.25",
        "0.5000",
    )
    funnel = client.get(f"/api/v1/kpi/dunning_funnel?{MARCH}", headers=headers).json
    assert (funnel["start"], funnel["end"]) == ("2026-03-01", "2026-03-31")
    assert [level["level"] for level in funnel["levels"]] == [0, 1, 2, 3, 4]
    collectors = client.get(
        "/api/v1/kpi/collectors?start=2026-01-01&end=2026-03-31", headers=headers
    ).json
    assert collectors == {
        "community_id": None,
        "start": "2026-01-01",
        "end": "2026-03-31",
        "collectors": [],
    }


def test_bad_values_name_their_fields(client, api):
    response = client.get(
        "/api/v1/kpi/collection?period=2026-13&as_of=31/03/2026&community_id=x",
        headers=api("Manager"),
    )
    assert response.status_code == 400
    assert set(response.json["message"]) == {"period", "as_of", "community_id"}
    response = client.get(
        "/api/v1/kpi/dunning_funnel?start=2026-03-31&end=2026-03-01", headers=api("Manager")
    )
    assert response.status_code == 400 and set(response.json["message"]) == {"end"}


def test_another_community_is_not_found(client, api):
    response = client.get("/api/v1/kpi/collection?community_id=2", headers=api("Manager"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 200),
        ("CustomerService", 403),
        ("Collector", 403),
        ("Auditor", 200),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_who_reads_key_figures(client, api, role, status, endpoint):
    assert client.get(f"/api/v1/kpi/{endpoint}", headers=api(role)).status_code == status


def test_no_token_no_figures(client):
    assert client.get("/api/v1/kpi/collection").status_code == 401
