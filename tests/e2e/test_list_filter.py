"""A list screen's unit filter in a real browser: typed into FAB's filter row, it narrows the
bills to the unit's (app/views/lists.py)."""

from datetime import date

import pytest

from app.services.billing import run_billing

pytestmark = pytest.mark.browser


def test_finance_finds_a_units_bills_by_typing_its_code(page, server_url, sign_in, session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    sign_in(page, "Finance")
    page.goto(f"{server_url}/billview/list/")
    assert page.locator("a[href*='/billview/show/']").count() == 2
    page.click("a[href='#accordion1_href']")  # 搜索
    page.click("#filter_form button.dropdown-toggle")
    page.click("#filter_form a.filter[name=unit]")
    page.fill("#filter_form input[name=_flt_0_unit]", "102")
    page.click("#filter_form button[type=submit]")
    page.wait_for_url("**_flt_0_unit=102**")
    assert page.locator("a[href*='/billview/show/']").count() == 1
    assert "1-1-102" in page.locator("tr:has(a[href*='/billview/show/'])").inner_text()
