"""Adds and edits through the screens: validated by the service, nothing half-saved."""

import re

from sqlalchemy import func, select

from app.models import AuditLog, Tariff, Unit

UNIT_FORM = {
    "building": "1",
    "code": "1-2-201",
    "property_type": "residential",
    "area": "90.00",
    "status": "occupied",
}


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def count(session, model):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_a_bad_unit_is_refused_with_the_field_label_and_nothing_saved(login, session):
    client = login("CustomerService")
    before = count(session, Unit), count(session, AuditLog)
    page = client.post("/unitview/add", data=UNIT_FORM | {"area": "-5"}, follow_redirects=True)
    assert (count(session, Unit), count(session, AuditLog)) == before
    assert "面积" in flashes(page)  # the message names the field by its (Chinese) label


def test_a_good_unit_is_saved_and_audited(login, session):
    client = login("CustomerService")
    client.post("/unitview/add", data=UNIT_FORM, follow_redirects=True)
    unit = session.scalar(select(Unit).where(Unit.code == "1-2-201"))
    assert str(unit.area) == "90.00"
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.action, entry.table_name, entry.username) == ("create", "unit", "customerservice")


def test_a_bad_edit_leaves_the_row_unchanged(login, session):
    client = login("CustomerService")
    client.post(
        "/unitview/edit/1",
        data=UNIT_FORM | {"code": "1-1-101", "area": "abc"},
        follow_redirects=True,
    )
    client.post(
        "/unitview/edit/1",
        data=UNIT_FORM | {"code": "1-1-102"},  # a duplicate
        follow_redirects=True,
    )
    unit = session.get(Unit, 1)
    assert (unit.code, str(unit.area)) == ("1-1-101", "81.50")


def test_tariff_property_types_are_picked_from_a_list(login, session):
    client = login("Admin")
    form = {
        "community": "2",
        "code": "TCF",
        "name": "停车费",
        "fee_kind": "parking",
        "basis": "fixed",
        "price": "150",
        "cycle_months": "3",
        "property_types": ["parking", "other"],
        "valid_from": "2026-01-01",
    }
    client.post("/tariffview/add", data=form, follow_redirects=True)
    tariff = session.scalar(select(Tariff).where(Tariff.code == "TCF"))
    assert tariff.property_types == "parking,other"
    assert tariff.due_days == 30  # the administrator's default


def test_a_rule_the_form_cannot_check_keeps_what_was_typed(login, session):
    """The service refuses the dates: the form comes back as typed, the message beside the
    field, nothing written (it used to flash and throw the form away)."""
    client = login("Admin")
    before = count(session, Tariff)
    form = {
        "community": "2",
        "code": "TCF",
        "name": "停车费（地下）",
        "fee_kind": "parking",
        "basis": "fixed",
        "price": "150",
        "cycle_months": "3",
        "property_types": ["parking"],
        "valid_from": "2026-06-01",
        "valid_to": "2026-01-31",
    }
    page = client.post("/tariffview/add", data=form)
    assert page.status_code == 200  # the form again, not a redirect
    html = page.get_data(as_text=True)
    assert 'value="停车费（地下）"' in html and 'value="150"' in html
    beside = html[html.index('id="valid_to"') :]
    assert beside.index("alert-danger") < beside.index("</tr>")  # in the field's own row
    assert count(session, Tariff) == before
