"""The browser tests' fixtures: headless Chromium (Debian's) driven by Playwright, the app served
by a werkzeug server in a thread of the test process, a page, and signing in through the login
form like a member of staff would."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD, USERNAMES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",  # the browser's own date and month pickers in Chinese too
]
#: Where the browser tests leave their screenshots.
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
#: The browser's language and window, as a member of staff in China has them.
CONTEXT = {"locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class QuietRequestHandler(WSGIRequestHandler):
    """No line per request in the test's log (a page loads dozens); errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture
def server_url(app):
    """The app served on a free port of 127.0.0.1 for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(**CONTEXT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(server_url):
    """``sign_in(page, role)`` signs ``page`` in as that role's test user through the login
    form, and fails the test if the form does not let it in."""

    def sign_in(page, role: str) -> None:
        page.goto(f"{server_url}/login/")
        page.fill("input[name=username]", USERNAMES[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{role}: login failed"

    return sign_in
