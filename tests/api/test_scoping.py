"""Staff other than Admin and Auditor see and touch only the communities assigned to them.

The template world: community A (id 1) and B (id 2), each with one building, two units, two
owners, two ownerships and one tariff; every staff member but Admin and Auditor works for A.
"""

import re

import pytest
from sqlalchemy import func, select

from app.models import Owner, Unit

# The ids of each community's rows in the template database.
WORLD = {
    "community": {"A": [1], "B": [2]},
    "building": {"A": [1], "B": [2]},
    "unit": {"A": [1, 2], "B": [3, 4]},
    "owner": {"A": [1, 2], "B": [3, 4]},
    "ownership": {"A": [1, 2], "B": [3, 4]},
    "tariff": {"A": [1], "B": [2]},
}
SEES = {"Manager": "A", "Finance": "A", "CustomerService": "A", "Admin": "AB", "Auditor": "AB"}


def ids_of(resource: str, communities: str) -> list[int]:
    return sorted(i for c in communities for i in WORLD[resource][c])


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", WORLD)
@pytest.mark.parametrize("role", SEES)
def test_lists_hold_only_the_users_communities(client, api, role, resource):
    response = client.get(f"/api/v1/{resource}/", headers=api(role))
    assert response.status_code == 200
    expected = ids_of(resource, SEES[role])
    assert response.json["count"] == len(expected)
    assert sorted(response.json["ids"]) == expected
    assert sorted(row["id"] for row in response.json["result"]) == expected


@pytest.mark.parametrize("resource", WORLD)
@pytest.mark.parametrize(("role", "status"), [("Manager", 404), ("Admin", 200), ("Auditor", 200)])
def test_get_of_a_community_b_row(client, api, resource, role, status):
    b_row = WORLD[resource]["B"][0]
    assert client.get(f"/api/v1/{resource}/{b_row}", headers=api(role)).status_code == status


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("unit", {"status": "vacant"}),
        ("owner", {"name": "改名"}),
        ("ownership", {"end_date": "2030-12-31"}),
    ],
)
def test_put_of_a_community_b_row_is_404_and_changes_nothing(client, api, resource, body):
    b_row = WORLD[resource]["B"][0]
    response = client.put(f"/api/v1/{resource}/{b_row}", json=body, headers=api("CustomerService"))
    assert response.status_code == 404
    after = client.get(f"/api/v1/{resource}/{b_row}", headers=api("Admin")).json["result"]
    assert all(after[field] != value for field, value in body.items())


def test_delete_of_a_community_b_unit_is_refused(client, api, session):
    # CustomerService may not delete at all: refused by permission (403) before any lookup.
    b_unit = WORLD["unit"]["B"][0]
    response = client.delete(f"/api/v1/unit/{b_unit}", headers=api("CustomerService"))
    assert response.status_code == 403
    assert session.get(Unit, b_unit) is not None


@pytest.mark.parametrize(
    ("resource", "body", "field"),
    [
        (
            "unit",
            {
                "building": 2,
                "code": "1-9-901",
                "property_type": "residential",
                "area": "90.00",
                "status": "occupied",
            },
            "building",
        ),
        ("owner", {"community": 2, "name": "王五", "phone": "13700001111"}, "community"),
    ],
)
def test_cannot_create_rows_in_another_community(client, api, session, resource, body, field):
    model = {"unit": Unit, "owner": Owner}[resource]
    before = session.scalar(select(func.count()).select_from(model))
    response = client.post(f"/api/v1/{resource}/", json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    assert field in response.json["message"]
    assert session.scalar(select(func.count()).select_from(model)) == before


# --- screens ------------------------------------------------------------------------------------


def shown_unit_ids(html: str) -> list[int]:
    return sorted({int(pk) for pk in re.findall(r"/unitview/show/(\d+)", html)})


def select_options(html: str, name: str) -> list[str]:
    """The non-empty option values of the ``<select name=...>`` in ``html``."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, f"no <select name={name}>"
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_html.group(1))
    return [v for v in values if v not in ("", "__None")]


@pytest.mark.parametrize("role", ["Manager", "Admin", "Auditor"])
def test_unit_list_screen_shows_only_the_users_communities(client, login, role):
    login(role)
    response = client.get("/unitview/list/")
    assert response.status_code == 200
    assert shown_unit_ids(response.get_data(as_text=True)) == ids_of("unit", SEES[role])


@pytest.mark.parametrize(("role", "status"), [("Manager", 404), ("Admin", 200)])
def test_unit_show_screen_of_a_community_b_unit(client, login, role, status):
    login(role)
    response = client.get(f"/unitview/show/{WORLD['unit']['B'][0]}")
    assert response.status_code == status  # FAB answers 404 for a row outside the base filter


@pytest.mark.parametrize("role", ["CustomerService", "Admin"])
def test_unit_add_form_offers_only_the_users_buildings(client, login, role):
    login(role)
    response = client.get("/unitview/add")
    assert response.status_code == 200
    options = select_options(response.get_data(as_text=True), "building")
    assert sorted(map(int, options)) == ids_of("building", SEES[role])


# --- billing runs: opened by id exactly as listed ------------------------------------------------


@pytest.fixture
def runs(session) -> dict[str, int]:
    """A company-wide billing run (every community) and one of community A."""
    from datetime import date

    from app.services.billing import run_billing

    ids = {
        "company": run_billing(session, date(2026, 3, 1)).run_id,
        "A": run_billing(session, date(2026, 4, 1), community_id=1).run_id,
    }
    session.commit()
    return ids


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("Manager", {"A"}),
        ("Finance", {"A"}),
        ("Admin", {"company", "A"}),
        ("Auditor", {"company", "A"}),
    ],
)
def test_a_billing_run_opens_by_id_exactly_when_it_is_listed(client, api, login, runs, role, sees):
    """A run over every community is for all-seeing roles, in the list and by id alike."""
    expected = sorted(runs[name] for name in sees)
    listed = client.get("/api/v1/billing_run/", headers=api(role)).json["ids"]
    opened = [
        i
        for i in runs.values()
        if client.get(f"/api/v1/billing_run/{i}", headers=api(role)).status_code == 200
    ]
    assert sorted(listed) == sorted(opened) == expected
    login(role)
    page = client.get("/billingrunview/list/").get_data(as_text=True)
    shown = sorted({int(pk) for pk in re.findall(r"/billingrunview/show/(\d+)", page)})
    opened = [
        i for i in runs.values() if client.get(f"/billingrunview/show/{i}").status_code == 200
    ]
    assert shown == sorted(opened) == expected
