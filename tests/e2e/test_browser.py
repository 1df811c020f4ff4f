"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright.

The app (the session ``app`` fixture: the template world on a SQLite file) is served by a
werkzeug server in a thread of the test process; the browser signs in through the login form
like a member of staff would (the fixtures: tests/e2e/conftest.py).
"""

import pytest

from tests.e2e.conftest import OUTPUT

pytestmark = pytest.mark.browser


def test_customer_service_sees_units_in_chinese(page, server_url, sign_in):
    sign_in(page, "CustomerService")

    page.goto(f"{server_url}/unitview/list/")
    text = page.inner_text("body")
    assert "房屋" in text  # the screen's title and menu entry
    assert "面积" in text  # the area column
    assert "1-1-101" in text  # a unit of community A, this user's community
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "units-list.png"), full_page=True)
