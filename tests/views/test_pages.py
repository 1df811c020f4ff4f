"""Long lists a page at a time (app/views/pages.py): arrears, early warning, today's tasks."""

import re

import pytest

from tests.views.test_list_screens import more_units

AS_OF = "2026-06-30"  # every March bill overdue: one overdue account per unit


def rows(page, table: str) -> list[str]:
    html = page.get_data(as_text=True)
    body = html[html.index(f'id="{table}"') :]
    body = body[: body.index("</table>")]
    return re.findall(r"<tr[ >]", body)[1:]  # less the header


@pytest.fixture
def sixty_units(web):
    """Sign-in on SQLite or PostgreSQL, 60 units of A billed for March."""
    sign_in, session = web
    more_units(session, 58)
    return sign_in


def test_the_overdue_accounts_come_fifty_to_a_page_with_their_filters(sixty_units):
    client = sixty_units("Manager")
    first = client.get(f"/arrears/?as_of={AS_OF}&community_id=1")
    html = first.get_data(as_text=True)
    assert len(rows(first, "overdue_accounts")) == 50
    assert "第 1–50 行，共 60 行" in html
    assert f"as_of={AS_OF}" in html[html.index('rel="next"') - 200 : html.index('rel="next"')]
    second = client.get(f"/arrears/?as_of={AS_OF}&community_id=1&page=2")
    assert len(rows(second, "overdue_accounts")) == 10
    past_the_end = client.get(f"/arrears/?as_of={AS_OF}&community_id=1&page=99")
    assert len(rows(past_the_end, "overdue_accounts")) == 10  # the last page
    nonsense = client.get(f"/arrears/?as_of={AS_OF}&community_id=1&page=-1x")
    assert nonsense.status_code == 200 and len(rows(nonsense, "overdue_accounts")) == 50


def test_the_early_warning_list_is_paged_too(sixty_units):
    page = sixty_units("Manager").get(f"/arrears/warning/?as_of={AS_OF}&page=2")
    assert page.status_code == 200 and len(rows(page, "early_warning")) == 10
