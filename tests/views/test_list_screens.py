"""List screens: a page's queries do not grow with its rows, and a unit is searched by its typed
code rather than picked from a drop-down of every unit (app/views/lists.py)."""

import json
from datetime import date

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Building
from app.services.billing import run_billing
from app.services.payments import record_payment
from tests.factories import make_owner, make_ownership, make_unit


def statements(app, client, url) -> tuple[int, str]:
    """How many SQL statements the page at ``url`` ran, and the page."""
    seen = []

    def count(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200
    return len(seen), page.get_data(as_text=True)


def search_form(page: str) -> tuple[dict, dict]:
    """The search form's fields (column -> HTML) and filters (column -> [name, ...]), as the
    page hands them to FAB's script."""
    decoder, rest = json.JSONDecoder(), page.split("'#filter_form',", 1)[1]
    objects = []
    for _ in range(3):
        rest = rest.lstrip(" \n,")
        obj, end = decoder.raw_decode(rest)
        objects.append(obj)
        rest = rest[end:]
    _labels, fields, filters = objects
    return fields, filters


def more_units(session, n: int) -> None:
    """``n`` more units of community A, each with an owner of its own, billed for March."""
    building = session.get(Building, 1)
    for i in range(n):
        unit = make_unit(session, building, f"2-1-{201 + i}")
        make_ownership(session, unit, make_owner(session, building.community, f"业主{i}"))
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()


def test_a_bill_page_asks_the_same_queries_for_2_rows_as_for_22(app, login, session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    client = login("Finance")
    few, page = statements(app, client, "/billview/list/")
    assert page.count("/billview/show/") == 2
    session.rollback()
    more_units(session, 20)
    many, page = statements(app, client, "/billview/list/")
    assert page.count("/billview/show/") == 22
    assert many == few
    assert "业主19" in page  # the owners' names came with the page


@pytest.mark.parametrize("url", ["/billview/list/", "/paymentview/list/"])
def test_the_unit_filter_is_a_text_input_not_a_list_of_every_unit(login, session, url):
    more_units(session, 20)
    page = login("Finance").get(url).get_data(as_text=True)
    fields, filters = search_form(page)
    assert fields["unit"].startswith("<input") and 'name="unit"' in fields["unit"]
    assert not [col for col, html in fields.items() if "2-1-220" in html]
    assert filters["unit"] == ["房号包含"]


def test_bills_are_found_by_part_of_their_unit_code(login, session):
    more_units(session, 20)
    client = login("Finance")
    page = client.get("/billview/list/?_flt_0_unit=1-22").get_data(as_text=True)
    assert page.count("/billview/show/") == 1 and "2-1-220" in page
    page = client.get("/billview/list/?_flt_0_unit=2-1-2").get_data(as_text=True)
    assert page.count("/billview/show/") == 20
    page = client.get("/billview/list/?_flt_0_unit=%25").get_data(as_text=True)
    assert page.count("/billview/show/") == 0  # typed text, not a pattern


def test_the_export_carries_the_unit_filter(login, session):
    more_units(session, 3)
    record_payment(session, 5, "10.00", "cash")
    record_payment(session, 6, "20.00", "cash")
    session.commit()
    client = login("Manager")
    rows = client.get("/paymentview/export/csv?_flt_0_unit=2-1-202").get_data(as_text=True)
    lines = rows.strip().splitlines()
    assert len(lines) == 2 and "2-1-202" in lines[1] and "20.00" in lines[1]
