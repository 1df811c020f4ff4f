"""The app starts with every API registered and the template world in place."""

from sqlalchemy import func, select

from app.models import Unit


def test_every_api_is_registered(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for resource in ("community", "building", "unit", "owner", "ownership", "tariff", "audit_log"):
        assert f"/api/v1/{resource}/" in rules


def test_world_is_fresh_for_each_test(session):
    assert session.scalar(select(func.count(Unit.id))) == 4
    session.add(Unit(building_id=1, code="9-9-901", area=1, property_type="other", status="vacant"))
    session.commit()


def test_world_is_fresh_again(session):
    assert session.scalar(select(func.count(Unit.id))) == 4
