"""Who may do what: the permission matrix of every role over every resource API and screen.

The expected tables below are the README's role table (README, "Roles"): read them, not the code.
Allowed answers the operation's success status (the bodies are valid); refused answers 403, a
route that does not exist 405, no credentials 401 (API) or a redirect to the login form (screens).
"""

from datetime import date

import pytest

from app.models import Building, Community, Owner, Unit
from tests.factories import (
    make_building,
    make_community,
    make_owner,
    make_ownership,
    make_tariff,
    make_unit,
)

ROLES = ("Admin", "Manager", "Finance", "CustomerService", "Collector", "Auditor")


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """``{row: {role: cell}}`` from a whitespace-aligned table whose header lists the roles."""
    header, *rows = (line.split() for line in text.strip().splitlines())
    assert tuple(header) == ROLES
    return {name: dict(zip(header, cells, strict=True)) for name, *cells in rows}


# L list, G get, P post, U put, D delete; "-" none of them.
API_MATRIX = parse_table("""
            Admin  Manager  Finance  CustomerService  Collector  Auditor
community   LGPUD  LG       LG       LG               LG         LG
building    LGPUD  LG       LG       LG               LG         LG
unit        LGPUD  LG       LG       LGPU             LG         LG
owner       LGPUD  LG       LG       LGPU             LG         LG
ownership   LGPUD  LG       LG       LGPU             LG         LG
tariff      LGPUD  LG       LG       LG               -          LG
audit_log   LG     -        -        -                -          LG
""")
# The audit trail is read-only: its write routes do not exist, for anybody.
NO_ROUTE = {("audit_log", "P"), ("audit_log", "U"), ("audit_log", "D")}

# y may open the list screen, - may not.
SCREEN_MATRIX = parse_table("""
                     Admin  Manager  Finance  CustomerService  Collector  Auditor
communityview        y      y        y        y                y          y
buildingview         y      y        y        y                y          y
unitview             y      y        y        y                y          y
ownerview            y      y        y        y                y          y
ownershipview        y      y        y        y                y          y
tariffview           y      y        y        y                -          y
staffassignmentview  y      -        -        -                -          y
settingview          y      -        -        -                -          -
auditlogview         y      -        -        -                -          y
jobrunview           y      -        -        -                -          y
checkplanview        y      y        -        y                -          y
supervisioncheckview y      y        -        y                -          y
rectificationview    y      y        y        y                y          y
supervisionreportview y     y        -        -                -          y
complaintview        y      y        -        y                -          y
overduecomplaintview y      y        -        y                -          y
installmentagreementview y      y        y        y                -          y
surveyview           y      y        -        y                -          y
surveyresponseview   y      y        -        y                -          y
surveyfollowupview   y      y        -        y                -          y
surveyquestionview   y      y        -        y                -          y
""")

# Valid bodies: an allowed post answers 201, an allowed put 200 (rows of community A).
POST_BODIES = {
    "community": {"code": "C", "name": "新城小区", "address": "新城路 9 号"},
    "building": {"community": 1, "code": "9", "name": "9号楼"},
    "unit": {
        "building": 1,
        "code": "1-9-901",
        "property_type": "residential",
        "area": "90.00",
        "status": "occupied",
    },
    "owner": {
        "community": 1,
        "name": "王五",
        "phone": "13700001111",
        "customer_type": "owner",
        "preferred_channel": "sms",
    },
    "ownership": {"unit": 1, "owner": 1, "start_date": "2020-01-01", "end_date": "2020-12-31"},
    "tariff": {
        "community": 1,
        "code": "TCF",
        "name": "停车费",
        "fee_kind": "parking",
        "basis": "fixed",
        "price": "150.00",
        "cycle_months": 1,
        "property_types": "parking",
        "valid_from": "2026-01-01",
    },
    "audit_log": {"action": "create", "table_name": "owner"},
}
PUT_BODIES = {
    "community": {"name": "安居小区二期"},
    "building": {"name": "一号楼"},
    "unit": {"status": "vacant"},
    "owner": {"email": "owner@example.com"},
    "ownership": {"end_date": "2030-12-31"},
    "tariff": {"name": "物业服务费（多层）"},
    "audit_log": {"action": "delete"},
}


def deletable_row(session, resource: str) -> int:
    """A new row of ``resource`` in community A that nothing refers to (committed)."""
    community = session.get(Community, 1)
    if resource == "audit_log":
        return 1
    make = {
        "community": lambda: make_community(session, "Z", "待删小区"),
        "building": lambda: make_building(session, community, "99"),
        "unit": lambda: make_unit(session, session.get(Building, 1), "1-9-999"),
        "owner": lambda: make_owner(session, community, "待删业主"),
        "ownership": lambda: make_ownership(
            session,
            session.get(Unit, 1),
            session.get(Owner, 1),
            start=date(2019, 1, 1),
            end=date(2019, 12, 31),
        ),
        "tariff": lambda: make_tariff(session, community, code="DEL"),
    }[resource]
    row_id = make().id
    session.commit()
    return row_id


def call(client, session, resource: str, op: str, headers=None):
    base = f"/api/v1/{resource}/"
    if op == "L":
        return client.get(base, headers=headers)
    if op == "G":
        return client.get(f"{base}1", headers=headers)
    if op == "P":
        return client.post(base, json=POST_BODIES[resource], headers=headers)
    if op == "U":
        return client.put(f"{base}1", json=PUT_BODIES[resource], headers=headers)
    return client.delete(f"{base}{deletable_row(session, resource)}", headers=headers)


SUCCESS = {"L": 200, "G": 200, "P": 201, "U": 200, "D": 200}
API_CASES = [
    pytest.param(role, resource, op, id=f"{role}-{resource}-{op}")
    for resource in API_MATRIX
    for role in ROLES
    for op in "LGPUD"
]


@pytest.mark.parametrize(("role", "resource", "op"), API_CASES)
def test_api_matrix(client, session, api, role, resource, op):
    if (resource, op) in NO_ROUTE:
        expected = 405
    elif op in API_MATRIX[resource][role]:
        expected = SUCCESS[op]
    else:
        expected = 403
    response = call(client, session, resource, op, headers=api(role))
    assert response.status_code == expected, response.get_json()
    if expected == 403:
        assert response.json == {"message": "Forbidden"}


@pytest.mark.parametrize("resource", API_MATRIX)
@pytest.mark.parametrize("op", "LGPUD")
def test_api_without_credentials_is_401(client, session, resource, op):
    response = call(client, session, resource, op)
    assert response.status_code == (405 if (resource, op) in NO_ROUTE else 401)


def test_refused_writes_change_nothing(client, session, api):
    """A 403 is decided before anything is loaded or written."""
    before = session.get(Unit, 1).status
    assert (
        client.put("/api/v1/unit/1", json={"status": "vacant"}, headers=api("Manager")).status_code
        == 403
    )
    assert client.delete("/api/v1/unit/1", headers=api("CustomerService")).status_code == 403
    session.expire_all()
    assert session.get(Unit, 1).status == before


SCREEN_CASES = [
    pytest.param(role, view, id=f"{role}-{view}") for view in SCREEN_MATRIX for role in ROLES
]


@pytest.mark.parametrize(("role", "view"), SCREEN_CASES)
def test_screen_matrix(client, login, role, view):
    login(role)
    response = client.get(f"/{view}/list/")
    # FAB answers a signed-in user without the permission 403 (no redirect).
    assert response.status_code == (200 if SCREEN_MATRIX[view][role] == "y" else 403)


@pytest.mark.parametrize("view", SCREEN_MATRIX)
def test_screen_without_login_redirects_to_login(client, view):
    response = client.get(f"/{view}/list/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("role", ROLES)
def test_unit_add_form_only_for_roles_that_may_write_units(client, login, role):
    login(role)
    response = client.get("/unitview/add")
    assert response.status_code == (200 if "P" in API_MATRIX["unit"][role] else 403)
    if response.status_code == 200:
        assert 'name="building"' in response.get_data(as_text=True)
