"""The Content-Security-Policy in a real browser: the screens' scripts carry the request's nonce,
so Chromium blocks none of them (app/headers.py)."""

import pytest

from tests.conftest import PASSWORD, USERNAMES
from tests.e2e import test_browser

pytestmark = pytest.mark.browser
browser, server_url, page = test_browser.browser, test_browser.server_url, test_browser.page

PAGES = [
    "/billview/list/",
    "/ownerview/add",
    "/complaints/new/",
    "/paymentview/list/",
    "/swagger/v1",
    "/",
]


def test_no_script_of_a_screen_is_blocked(page, server_url):
    blocked = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    page.goto(f"{server_url}/login/")
    page.fill("input[name=username]", USERNAMES["Admin"])
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    for path in PAGES:
        response = page.goto(f"{server_url}{path}")
        assert response.status == 200, path
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert blocked == []
    page.goto(f"{server_url}/billview/list/")
    assert page.evaluate("typeof jQuery") == "function"  # the page's scripts did run
