"""The paying-owners screen: a unit chosen by its community and code (the same code exists in
every community), only of the user's communities; the list searched like the others."""

import re

from sqlalchemy import select

from app.models import Owner, Ownership

ADD = "/ownershipview/add"


def unit_choices(page) -> list[tuple[str, str]]:
    html = page.get_data(as_text=True)
    select_html = html[html.index('id="unit"') :]
    select_html = select_html[: select_html.index("</select>")]
    return re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', select_html)


def test_the_unit_is_chosen_by_community_and_code_within_the_users_scope(web):
    login, session = web
    assert unit_choices(login("Admin").get(ADD)) == [
        ("1", "A 1-1-101"),
        ("2", "A 1-1-102"),
        ("3", "B 1-1-101"),
        ("4", "B 1-1-102"),
    ]
    service = login("CustomerService")  # community A only
    assert unit_choices(service.get(ADD)) == [("1", "A 1-1-101"), ("2", "A 1-1-102")]
    owner = session.scalar(select(Owner.id).where(Owner.name == "B业主乙"))
    data = {"owner": owner, "start_date": "2026-04-01"}
    refused = service.post(ADD, data=data | {"unit": "4"})  # community B's
    assert refused.status_code == 200 and "选项无效" in refused.get_data(as_text=True)
    assert len(session.scalars(select(Ownership.id)).all()) == 4  # nothing written


def test_the_ownership_list_is_searched_by_owner_or_unit(login):
    client = login("CustomerService")
    page = client.get("/ownershipview/list/?_flt_0_search=A业主乙").get_data(as_text=True)
    assert page.count("/ownershipview/show/") == 1
