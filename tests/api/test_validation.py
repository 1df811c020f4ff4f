"""Bad input through the API: 400 (409 for a duplicate) naming the field, nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Owner, Ownership, Tariff, Unit

GOOD_UNIT = {
    "building": 1,
    "code": "1-2-201",
    "property_type": "residential",
    "area": "90.00",
    "status": "occupied",
}


def counts(session):
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Unit, Owner, Ownership, Tariff, AuditLog)
    }


@pytest.fixture
def unchanged(session):
    """Asserts, after the test, that no row of any kind was written."""
    before = counts(session)
    yield
    session.rollback()
    assert counts(session) == before


@pytest.mark.parametrize(
    ("resource", "body", "field"),
    [
        ("unit", GOOD_UNIT | {"area": "-3"}, "area"),
        ("unit", GOOD_UNIT | {"area": "1e9"}, "area"),
        ("unit", GOOD_UNIT | {"area": "abc"}, "area"),
        ("unit", GOOD_UNIT | {"area": "90.123"}, "area"),
        ("unit", GOOD_UNIT | {"area": ["90"]}, "area"),
        ("unit", GOOD_UNIT | {"building": 999}, "building"),
        ("unit", GOOD_UNIT | {"property_type": "castle"}, "property_type"),
        ("owner", {"community": 1, "name": "李四", "phone": "abc"}, "phone"),
        ("owner", {"community": 1, "name": "李四", "id_number": "110105194912310021"}, "id_number"),
        ("owner", {"community": 99, "name": "李四"}, "community"),
        ("ownership", {"unit": 1, "owner": 1, "start_date": "2025-01-01"}, "start_date"),
        ("ownership", {"unit": 1, "owner": 1, "start_date": "2025-13-01"}, "start_date"),
        (
            "tariff",
            {
                "community": 1,
                "code": "WYF",
                "name": "物业费",
                "fee_kind": "property",
                "basis": "area",
                "price": "2.80",
                "cycle_months": 1,
                "property_types": "residential",
                "valid_from": "2026-07-01",
                "published_on": "2026-06-15",
            },
            "valid_from",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, api, unchanged, resource, body, field):
    response = client.post(f"/api/v1/{resource}/", json=body, headers=api("Admin"))
    assert response.status_code == 400, response.json
    assert field in response.json["message"]


def test_a_duplicate_unit_code_is_a_conflict(client, api, unchanged):
    response = client.post(
        "/api/v1/unit/", json=GOOD_UNIT | {"code": "1-1-101"}, headers=api("Admin")
    )
    assert response.status_code == 409
    assert list(response.json["message"]) == ["code"]


def test_a_bad_edit_leaves_the_row_as_it_was(client, api, session, unchanged):
    response = client.put("/api/v1/unit/1", json={"area": "0"}, headers=api("Admin"))
    assert response.status_code == 400
    assert str(session.get(Unit, 1).area) == "81.50"


def test_not_json_is_refused(client, api, unchanged):
    response = client.post("/api/v1/unit/", data="area=1", headers=api("Admin"))
    assert response.status_code == 400


def test_a_good_unit_is_created_with_its_audit_entry(client, api, session):
    response = client.post("/api/v1/unit/", json=GOOD_UNIT, headers=api("CustomerService"))
    assert response.status_code == 201, response.json
    assert response.json["result"]["area"] == "90.00"
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.action, entry.table_name, entry.row_id, entry.username) == (
        "create",
        "unit",
        str(response.json["id"]),
        "customerservice",
    )


def test_a_new_tariff_version_ends_the_previous_one(client, api, session):
    body = {
        "community": 1,
        "code": "WYF",
        "name": "物业服务费",
        "fee_kind": "property",
        "basis": "area",
        "price": "2.8000",
        "cycle_months": 1,
        "property_types": "residential",
        "valid_from": "2026-07-01",
        "published_on": "2026-05-15",
    }
    response = client.post("/api/v1/tariff/", json=body, headers=api("Admin"))
    assert response.status_code == 201, response.json
    assert response.json["result"]["due_days"] == 30
    old = session.scalar(
        select(Tariff).where(
            Tariff.community_id == 1, Tariff.code == "WYF", Tariff.valid_from < body["valid_from"]
        )
    )
    assert old.valid_to.isoformat() == "2026-06-30"


def test_a_published_tariffs_price_is_not_edited_in_place(client, api, session):
    tariff = session.scalar(select(Tariff).where(Tariff.community_id == 1))
    tariff.published_on = date(2025, 11, 1)
    session.commit()
    before = tariff.price
    response = client.put(
        f"/api/v1/tariff/{tariff.id}", json={"price": "3.1000"}, headers=api("Admin")
    )
    assert response.status_code == 400
    assert "price" in response.json["message"]
    session.expire_all()
    assert session.get(Tariff, tariff.id).price == before != Decimal("3.1000")
