"""Finding units, owners and their rows by unit code, owner name or phone tail
(app/services/search.py), on SQLite and PostgreSQL."""

from datetime import date

from sqlalchemy import select

from app.models import Bill, Community, Owner, Unit
from app.services.billing import run_billing
from app.services.search import (
    find_units,
    owner_or_unit_matches,
    row_matches,
    unit_matches,
)
from tests.factories import make_building, make_owner, make_ownership, make_unit

DAY = date(2026, 3, 10)


def units(db, text: str) -> list[tuple[str, str]]:
    query = (
        select(Community.code, Unit.code)
        .select_from(Unit)
        .join(Unit.building)
        .join(Community)
        .where(unit_matches(text, DAY))
        .order_by(Community.code, Unit.code)
    )
    return [tuple(row) for row in db.execute(query)]


def test_a_unit_is_found_by_its_code_its_owners_name_or_phone_tail(db):
    assert units(db, "1-102") == [("A", "1-1-102"), ("B", "1-1-102")]
    assert units(db, "A业主甲") == [("A", "1-1-101")]
    assert units(db, "5679") == [("A", "1-1-102"), ("B", "1-1-102")]  # 139 1234 5679
    assert units(db, "2345") == []  # digits inside a phone are not its end
    assert units(db, "10000024") == [("A", "1-1-102")]  # its payment code (unit 2)
    assert units(db, "10000025") == []  # a wrong check digit
    assert units(db, "1") == []  # too short to be useful
    assert units(db, "  ") == []


def test_search_text_is_literal_and_ignores_case(db):
    building = make_building(db, db.get(Community, 1), "7")
    make_unit(db, building, "B7-%1")
    db.flush()
    assert units(db, "b7-%") == [("A", "B7-%1")]
    assert units(db, "%1") == [("A", "B7-%1")]  # "%" is no wildcard: 1-1-101 is not found


def test_an_owner_who_sold_is_not_found_through_the_unit(db):
    unit = db.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))
    buyer = make_owner(db, db.get(Community, 1), "新业主", phone="13700009999")
    old = unit.ownerships[0]
    old.end_date = date(2026, 2, 28)
    make_ownership(db, unit, buyer, start=date(2026, 3, 1))
    db.flush()
    assert units(db, "9999") == [("A", "1-1-101")]
    assert units(db, "A业主甲") == []


def test_an_owner_is_found_by_name_phone_tail_or_the_unit_they_own(db):
    def owners(text):
        query = select(Owner.name).where(owner_or_unit_matches(text, DAY)).order_by(Owner.name)
        return list(db.scalars(query))

    assert owners("业主乙") == ["A业主乙", "B业主乙"]
    assert owners("5678") == ["A业主甲", "B业主甲"]
    assert owners("1-1-101") == ["A业主甲", "B业主甲"]
    assert owners("x") == []


def test_a_bill_is_found_by_its_unit_or_its_owner(db):
    run_billing(db, date(2026, 3, 1), community_id=1)
    db.flush()

    def bills(text):
        query = select(Unit.code).join(Bill.unit).where(row_matches(Bill, text))
        return sorted(db.scalars(query))

    assert bills("1-1-10") == ["1-1-101", "1-1-102"]
    assert bills("A业主乙") == ["1-1-102"]
    assert bills("5678") == ["1-1-101"]
    assert bills("10000016") == ["1-1-101"]  # unit 1's payment code
    assert bills("无此人") == []


def test_the_unit_picker_finds_by_phone_tail_with_the_owner(db):
    found = find_units(db, "5679", DAY)
    assert [(m.community, m.unit, m.owner) for m in found] == [
        ("A", "1-1-102", "A业主乙"),
        ("B", "1-1-102", "B业主乙"),
    ]
