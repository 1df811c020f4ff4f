"""The dashboard: headline figures and charts of the user's communities (ledger of
``tests/kpi.py``; the figures are checked in ``tests/services/test_kpi.py``)."""

import re

import pytest

from tests.kpi import build_ledger

MARCH = "period=2026-03&as_of=2026-03-31"


@pytest.fixture
def ledger(session):
    build_ledger(session)
    session.commit()


def tile(page: str, tile_id: str) -> str:
    """The value shown in a headline tile."""
    match = re.search(rf'id="{tile_id}".*?class="kpi-value">([^<]*)<', page, re.S)
    assert match, tile_id
    return match.group(1).strip()


def test_a_manager_sees_its_community_at_a_glance(login, ledger):
    page = login("Manager").get(f"/dashboard/?{MARCH}").get_data(as_text=True)
    assert 'id="headline"' in page and "查看" in page  # the page is in Chinese by default
    # community A (tests/services/test_kpi.py): 0.7409, 1 of 2 units, nothing overdue
    assert tile(page, "collection_rate") == "74.1%"
    assert tile(page, "household_rate") == "50.0%"
    assert tile(page, "overdue_rate") == "0.0%"
    assert "¥303.75" in page and "¥410.00" in page
    assert page.count("<svg") == 3  # rates by month, aging, complaints (no survey yet)
    assert 'value="1"' in page and 'value="2"' not in page  # only its own community to pick


def test_an_auditor_sees_the_company_or_one_community(login, ledger):
    client = login("Auditor")
    page = client.get(f"/dashboard/?{MARCH}").get_data(as_text=True)
    assert tile(page, "collection_rate") == "65.9%"
    assert tile(page, "ytd_rate") == "72.0%"  # 0.7199
    assert tile(page, "overdue_rate") == "61.1%"
    assert "¥412.50" in page and "¥675.00" in page
    assert 'value="1"' in page and 'value="2"' in page
    # one line per community: A 74.1 %, B 203.75 ÷ 360.00 = 56.6 %, B's overdue 412.50
    table = page[page.index('id="by_community"') :]
    assert re.findall(r"<td class=\"text-right\">([^<]*)</td>", table)[:8] == [
        "74.1%",
        "50.0%",
        "0.0%",
        "0.00",
        "56.6%",
        "50.0%",
        "72.5%",
        "412.50",
    ]
    b = client.get(f"/dashboard/?{MARCH}&community_id=2").get_data(as_text=True)
    assert tile(b, "collection_rate") == "56.6%" and 'id="by_community"' not in b
    old = client.get("/dashboard/?period=2026-02&as_of=2026-02-28").get_data(as_text=True)
    assert tile(old, "recovery_rate") == "50.0%"


def test_a_community_out_of_scope_or_bad_filters_show_the_own_figures(login, ledger):
    response = login("Manager").get("/dashboard/?period=2026-13&community_id=2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "alert" in page and "B 碧园小区" not in page


def test_no_bills_show_a_dash(login):
    page = (
        login("Finance").get("/dashboard/?period=2026-05&as_of=2026-05-31").get_data(as_text=True)
    )
    assert tile(page, "collection_rate") == "—"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Manager", 200),
        ("Finance", 200),
        ("CustomerService", 403),
        ("Collector", 403),
        ("Auditor", 200),
    ],
)
def test_who_opens_the_dashboard(login, role, status):
    assert login(role).get("/dashboard/").status_code == status


def test_the_menu_shows_the_dashboard_to_those_who_may_read_it(login):
    assert "/dashboard/" in login("Finance").get("/paymentview/list/").get_data(as_text=True)
    assert "/dashboard/" not in login("Collector").get("/mytasks/").get_data(as_text=True)
