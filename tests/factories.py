"""Small ``make_*`` factories for tests: each adds valid rows and flushes (never commits)."""

from datetime import date
from decimal import Decimal

from app.models import Building, Community, Owner, Ownership, Tariff, Unit


def make_community(session, code="T1", name="测试小区", **kw) -> Community:
    community = Community(code=code, name=name, address=kw.pop("address", "测试路 1 号"), **kw)
    session.add(community)
    session.flush()
    return community


def make_building(session, community, code="1", **kw) -> Building:
    building = Building(community=community, code=code, name=kw.pop("name", f"{code}号楼"), **kw)
    session.add(building)
    session.flush()
    return building


def make_unit(session, building, code="1-1-101", area="88.50", **kw) -> Unit:
    unit = Unit(
        building=building,
        code=code,
        area=Decimal(area),
        property_type=kw.pop("property_type", "residential"),
        status=kw.pop("status", "occupied"),
        **kw,
    )
    session.add(unit)
    session.flush()
    return unit


def make_owner(session, community, name="张三", **kw) -> Owner:
    owner = Owner(
        community=community,
        name=name,
        phone=kw.pop("phone", "13812345678"),
        id_number=kw.pop("id_number", "11010519491231002X"),
        customer_type=kw.pop("customer_type", "owner"),
        preferred_channel=kw.pop("preferred_channel", "sms"),
        **kw,
    )
    session.add(owner)
    session.flush()
    return owner


def make_ownership(session, unit, owner, start=date(2024, 1, 1), end=None) -> Ownership:
    ownership = Ownership(unit=unit, owner=owner, start_date=start, end_date=end)
    session.add(ownership)
    session.flush()
    return ownership


def make_tariff(session, community, code="WYF", valid_from=date(2026, 1, 1), **kw) -> Tariff:
    values = {
        "name": "物业服务费",
        "fee_kind": "property",
        "basis": "area",
        "price": Decimal("2.5"),
        "cycle_months": 1,
        "property_types": "residential",
        "published_on": None,
        "due_days": 30,
        "late_fee_daily_rate": Decimal("0.0005"),
        "late_fee_grace_days": 0,
        "late_fee_cap_ratio": Decimal("1"),
    } | kw
    tariff = Tariff(community=community, code=code, valid_from=valid_from, **values)
    session.add(tariff)
    session.flush()
    return tariff
