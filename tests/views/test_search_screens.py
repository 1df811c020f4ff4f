"""The search box of the units, owners, bills, payments and complaints lists: a unit code, an
owner's name or a phone's last 4 digits (app/services/search.py), on SQLite and PostgreSQL."""

import re
from datetime import date
from decimal import Decimal

import pytest

from app.services.billing import run_billing
from app.services.complaints import log_complaint
from app.services.payments import record_payment

BOX = "_flt_0_search"


def with_rows(session) -> None:
    """March's bills, a payment and a complaint for each unit of community A."""
    run_billing(session, date(2026, 3, 1), community_id=1)
    for unit_id in (1, 2):
        record_payment(session, unit_id, Decimal("10.00"), "cash", actor="fixtures")
        log_complaint(session, unit_id, "phone", "facilities", "漏水", actor="fixtures")
    session.commit()


def shown(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    return page.get_data(as_text=True)


LISTS = {
    "/unitview/list/": "/unitview/show/",
    "/ownerview/list/": "/ownerview/show/",
    "/billview/list/": "/billview/show/",
    "/paymentview/list/": "/paymentview/show/",
    "/complaintview/list/": "/complaintview/show/",
}

MASTER_DATA = {"/unitview/list/", "/ownerview/list/"}


@pytest.mark.parametrize("url", LISTS)
def test_each_list_finds_a_unit_by_code_name_or_phone_tail(web, url):
    login, session = web
    with_rows(session)
    client = login("Admin")
    page = shown(client, url)
    assert 'id="text_search"' in page and "单元号、业主姓名或电话后四位" in page
    assert page.count(LISTS[url]) == (4 if url in MASTER_DATA else 2)
    # Units and owners of both communities; the rows are community A's (with_rows). The phone
    # 139 1234 5679 is the 业主乙 of each community's.
    expected = {"1-1-102": 2, "A业主乙": 1, "5679": 2}
    for text in ("1-1-102", "A业主乙", "5679"):
        found = shown(client, f"{url}?{BOX}={text}")
        wanted = expected[text] if url in MASTER_DATA else 1
        assert found.count(LISTS[url]) == wanted, text
        assert f'value="{text}"' in found  # the box keeps what was typed
    assert shown(client, f"{url}?{BOX}=无此人").count(LISTS[url]) == 0


def test_the_search_keeps_the_other_filters_and_the_export_carries_it(web):
    login, session = web
    with_rows(session)
    client = login("Finance")
    page = shown(client, f"/paymentview/list/?_flt_0_kind=payment&{BOX}=5678")
    kept = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    assert ("_flt_0_kind", "payment") in kept
    export = shown(login("Auditor"), f"/paymentview/export/csv?{BOX}=5678")
    lines = export.strip().splitlines()
    assert len(lines) == 2 and "1-1-101" in lines[1]  # the header, one payment


def test_the_filter_panel_offers_the_search_too(login):
    page = shown(login("Finance"), "/billview/list/")
    assert '"search": ["单元、业主或电话"]' in page or '"search": ["\\u5355' in page


@pytest.mark.parametrize("text", ["%", "_", "'; drop table bill; --", "x" * 500, "１２３４"])
def test_any_text_answers_a_page(login, text):
    assert shown(login("Finance"), f"/billview/list/?{BOX}={text}").count("/billview/show/") == 0
