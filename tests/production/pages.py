"""Page helpers of the workflow tests (tests/production/test_workflows.py): sign in through the
login form, a full-page screenshot per step, and what a page shows (its flash message, its
Latin words)."""

import contextlib
import re

from tests.e2e.conftest import CONTEXT, OUTPUT
from tests.production.topology import DEMO_PASSWORD

#: Where the workflow tests leave their screenshots: ``<role>-<step>.png``.
SHOTS = OUTPUT / "workflows"
#: Latin words a Chinese page may show: the product's name, file formats, the owners' app, the
#: month field's format, and the demo users' names (a complaint's log says who took a step).
ALLOWED = {"wuye", "pdf", "csv", "xlsx", "app", "yyyy"}
ALLOWED |= {"admin", "manager", "finance", "service", "collector", "auditor"}


@contextlib.contextmanager
def signed_in(browser, base: str, username: str):
    """A page of a fresh browser context, signed in as ``username`` through the login form;
    it is where the user lands."""
    context = browser.new_context(**CONTEXT)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{username}: login failed"
        yield page
    finally:
        context.close()


def shot(page, role: str, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{role}-{step}.png"), full_page=True)


def flash(page) -> str:
    """The success message the page shows (empty: none)."""
    found = page.locator(".alert-success")
    return found.first.inner_text().strip("× \n") if found.count() else ""


def english(page) -> list[str]:
    """Latin words (3 letters or more) the page shows that a Chinese screen should not."""
    words = re.findall(r"[A-Za-z]{3,}", page.inner_text("body"))
    return sorted({w for w in words if w.casefold() not in ALLOWED})


def follow(page, selector: str) -> None:
    """Click the link ``selector`` and wait for the page it opens (what the test reads next
    may also be on the page it leaves, or looked for without waiting)."""
    with page.expect_navigation():
        page.click(selector)


def submit(page, form: str = "#wuye_form") -> None:
    """Send ``form`` with its submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
