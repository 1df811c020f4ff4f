"""The start page shows the user's own communities."""

import re


def community_links(page) -> list[str]:
    return re.findall(r'/communityview/show/\d+">([^<]+)</a>', page.get_data(as_text=True))


def test_staff_see_their_communities_only(login):
    assert community_links(login("Finance").get("/")) == ["A 安居小区"]


def test_a_manager_lands_on_the_dashboard(login):
    response = login("Manager").get("/")
    assert response.status_code == 302 and response.location.endswith("/dashboard/")


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
