"""The Content-Security-Policy in a real browser: the screens' scripts carry the request's nonce,
so Chromium blocks none of them (app/headers.py)."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/billview/list/",
    "/ownerview/add",
    "/complaints/new/",
    "/paymentview/list/",
    "/swagger/v1",
    "/",
]


def test_no_script_of_a_screen_is_blocked(page, server_url, sign_in):
    blocked = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    sign_in(page, "Admin")
    for path in PAGES:
        response = page.goto(f"{server_url}{path}")
        assert response.status == 200, path
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert blocked == []
    page.goto(f"{server_url}/billview/list/")
    assert page.evaluate("typeof jQuery") == "function"  # the page's scripts did run
