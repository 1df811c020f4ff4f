"""The start page shows the user's own communities."""

import re

import pytest


def community_links(page) -> list[str]:
    return re.findall(r'/communityview/show/\d+">([^<]+)</a>', page.get_data(as_text=True))


@pytest.mark.parametrize(
    ("role", "landing", "shows"),
    [
        ("Manager", "/dashboard/", 'id="awaiting_decision"'),
        ("Collector", "/collection/my-tasks/", "今日任务"),
        ("Finance", "/dailycloseview/", "日结"),
        ("CustomerService", "/overduecomplaintview/list/", "超时投诉"),
    ],
)
def test_each_role_lands_on_its_days_work(login, role, landing, shows):
    client = login(role)
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith(landing)
    page = client.get(response.location)
    assert page.status_code == 200 and shows in page.get_data(as_text=True)


def test_the_home_page_no_longer_promises_what_is_to_come(login):
    page = login("Admin").get("/").get_data(as_text=True)
    assert "陆续上线" not in page and "投诉" in page


def test_an_auditor_sees_every_community(login):
    assert community_links(login("Auditor").get("/")) == ["A 安居小区", "B 碧园小区"]


def test_anonymous_visitors_are_asked_to_sign_in(client):
    page = client.get("/").get_data(as_text=True)
    assert "/login/" in page and not community_links(client.get("/"))


def test_no_screen_fetches_charts_from_the_internet(login):
    """FAB's user statistics drew with Google Charts (unreachable in mainland China and
    refused by the CSP): the screen is gone, and no page names an outside script."""
    admin = login("Admin")
    assert admin.get("/userstatschartview/chart/").status_code == 404
    home = admin.get("/").get_data(as_text=True)
    assert "userstatschartview" not in home.lower() and "gstatic" not in home


def test_the_menu_has_at_most_eight_entries_and_no_lonely_one(app):
    """Grouped by the daily work of each role; FAB's security screens are administration."""
    top = app.appbuilder.menu.get_list()
    assert len(top) <= 8, [item.name for item in top]
    lonely = [item.name for item in top if item.childs and len(item.childs) < 2]
    assert lonely == []
    assert "Security" not in [item.name for item in top]
    administration = app.appbuilder.menu.find("Administration")
    assert {"List Users", "List Roles"} <= {child.name for child in administration.childs}


def test_the_administrator_finds_users_under_administration(login):
    page = login("Admin").get("/").get_data(as_text=True)
    assert "/users/list/" in page and ">安全<" not in page
