"""The arrears and early-warning screens."""

from datetime import date

import pytest

from app.services.billing import run_billing


@pytest.fixture
def billed(session):
    for month in (1, 2):
        run_billing(session, date(2026, month, 1))
    session.commit()


def test_the_arrears_screen_shows_aging_and_accounts_in_chinese(login, billed):
    page = login("Finance").get("/arrears/?as_of=2026-03-31").get_data(as_text=True)
    assert "账龄" in page and "逾期账户" in page
    assert 'id="aging"' in page and 'id="overdue_accounts"' in page
    assert "A业主甲" in page and "407.50" in page
    assert "B业主甲" not in page  # community B is not Finance's
    assert "/account/1?as_of=2026-03-31" in page


def test_filters_on_the_screen(login, billed):
    page = (
        login("Auditor")
        .get("/arrears/?as_of=2026-03-31&community_id=2&bucket=31-90")
        .get_data(as_text=True)
    )
    assert "B业主甲" in page and "A业主甲" not in page


def test_bad_filters_are_named_and_the_page_still_shows(login, billed):
    response = login("Finance").get("/arrears/?as_of=yesterday&min_amount=abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "as_of" in page and "min_amount" in page


def test_the_early_warning_list(login, billed):
    page = login("CustomerService").get("/arrears/warning/?as_of=2026-02-28").get_data(as_text=True)
    assert 'id="early_warning"' in page
    assert "A-202601-1" in page and "A-202602-5" in page  # overdue, and due on 3 March


def test_a_collector_reads_its_communitys_arrears_without_statements_or_exports(login, billed):
    """Its task sheets are about them; it reads no bills and exports nothing."""
    client = login("Collector")
    page = client.get("/arrears/?as_of=2026-03-31").get_data(as_text=True)
    assert "A业主甲" in page and "407.50" in page and "B业主甲" not in page
    assert "/account/" not in page and "/arrears/export/" not in page
    warning = client.get("/arrears/warning/?as_of=2026-02-28").get_data(as_text=True)
    assert "A-202601-1" in warning and "/account/" not in warning
    assert client.get("/account/1?as_of=2026-03-31").status_code == 403
    assert client.get("/arrears/export/csv?as_of=2026-03-31").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 200),
        ("CustomerService", 200),
        ("Collector", 200),
        ("Auditor", 200),
    ],
)
@pytest.mark.parametrize("path", ["/arrears/", "/arrears/warning/"])
def test_who_opens_the_arrears_screens(login, role, status, path):
    assert login(role).get(path).status_code == status
