"""The administrator's user and role screens (app/views/users.py): roles by their Chinese names,
help without LDAP or OpenID, and a read-only roles page drawn from ``GRANTS``."""

import re
from html.parser import HTMLParser

import pytest
from flask_appbuilder.security.sqla.models import User
from flask_babel import force_locale
from sqlalchemy import select

from app.role_labels import PERMISSION_LABELS, RESOURCE_LABELS, ROLE_LABELS
from app.security.roles import ADMIN, APPROVE, COLLECTOR, GRANTS, ROLES, TASKS, WRITE
from tests.test_translations import _visible_text

ZH_ROLES = ("管理员", "经理", "财务", "客服", "催收员", "审计")


@pytest.fixture
def zh(app):
    """``zh(label)``: a lazy label in Chinese."""

    def translate(label) -> str:
        with app.test_request_context(), force_locale("zh"):
            return str(label)

    return translate


class CellReader(HTMLParser):
    """The roles page's table: {(resource, role): cell text} from its data attributes."""

    def __init__(self):
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self._resource = self._at = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._resource = attrs.get("data-resource")
        elif tag == "td" and self._resource and attrs.get("data-role"):
            self._at = (self._resource, attrs["data-role"])
            self.cells[self._at] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._at = None

    def handle_data(self, data):
        if self._at:
            self.cells[self._at] += data.strip()


@pytest.fixture
def roles_page(app, login):
    html = login("Admin").get("/roles/").get_data(as_text=True)
    reader = CellReader()
    reader.feed(html)
    return html, reader.cells


def test_the_user_list_shows_roles_by_their_chinese_names(login):
    page = login("Admin").get("/users/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "[Admin]" not in html and "[Finance]" not in html
    text = _visible_text(html)
    for name in ZH_ROLES:
        assert name in text, name
    assert "用户组" not in text  # no groups column


def test_a_users_page_and_ones_own_profile_show_the_role_by_name(app, login, session):
    finance = session.scalar(select(User).where(User.username == "finance"))
    text = _visible_text(login("Admin").get(f"/users/show/{finance.id}").get_data(as_text=True))
    assert "财务" in text and "[Finance]" not in text
    text = _visible_text(login("Collector").get("/users/userinfo/").get_data(as_text=True))
    assert "催收员" in text and "[Collector]" not in text


def test_the_user_forms_help_speaks_of_this_application_only(login):
    client = login("Admin")
    for url in ("/users/add", "/users/edit/1"):
        html = client.get(url).get_data(as_text=True)
        text = _visible_text(html)
        for word in ("LDAP", "OID", "OpenID", "Either select a role or a group"):
            assert word not in html, (url, word)
        assert "用户组" not in text, url
        assert "登录名" in text and "请勿删除用户" in text, url
        # the roles drop-down offers the roles by name
        for name in ZH_ROLES:
            assert re.search(rf"<option[^>]*>{name}</option>", html), (url, name)
        assert not re.search(r"<option[^>]*>Public</option>", html), url  # anonymous visitors'
    assert "再次输入密码" in _visible_text(client.get("/users/add").get_data(as_text=True))


def test_adding_a_user_still_works(login, session):
    client = login("Admin")
    page = client.post(
        "/users/add",
        data={
            "first_name": "小明",
            "last_name": "王",
            "username": "wangxm",
            "email": "wangxm@example.com",
            "active": "y",
            "roles": [
                str(session.scalar(select(User).where(User.username == "finance")).roles[0].id)
            ],
            "password": "Strong-Pass-2026",
            "conf_password": "Strong-Pass-2026",
        },
        follow_redirects=True,
    )
    assert page.status_code == 200
    session.rollback()
    user = session.scalar(select(User).where(User.username == "wangxm"))
    assert user is not None and [role.name for role in user.roles] == ["Finance"]
    assert "财务" in _visible_text(client.get("/users/list/").get_data(as_text=True))


def test_a_user_needs_a_role_and_the_same_password_twice(login, session):
    client = login("Admin")
    base = {
        "first_name": "小红",
        "last_name": "李",
        "username": "lixh",
        "email": "lixh@example.com",
        "active": "y",
        "password": "Strong-Pass-2026",
    }
    client.post("/users/add", data={**base, "conf_password": "Strong-Pass-2026"})
    client.post("/users/add", data={**base, "roles": ["2"], "conf_password": "Other-Pass-2026"})
    session.rollback()
    assert session.scalar(select(User).where(User.username == "lixh")) is None


def test_the_user_list_filters_by_role(login, session):
    collector = session.scalar(select(User).where(User.username == "collector")).roles[0]
    page = login("Admin").get(f"/users/list/?_flt_0_roles={collector.id}")
    text = _visible_text(page.get_data(as_text=True))
    assert "collector" in text and "finance" not in text


def test_the_roles_page_lists_every_role_by_its_chinese_name(roles_page):
    html, _cells = roles_page
    text = _visible_text(html)
    for name in ZH_ROLES:
        assert name in text, name
    assert "app/security/roles.py" in text  # where roles change: in code, with a release
    assert "<form" not in html.split('id="role_table"')[1]  # read only


def test_the_roles_page_shows_what_each_role_may_do_as_granted(roles_page, zh):
    _html, cells = roles_page
    granted = {resource for grants in GRANTS.values() for resource in grants}
    assert granted <= set(RESOURCE_LABELS)
    assert {resource for resource, _role in cells} == granted
    for resource in granted:
        for role in ROLES:
            if role == ADMIN:
                continue
            shown = cells[(resource, role)]
            verbs = GRANTS[role].get(resource, ())
            for verb, label in PERMISSION_LABELS.items():
                # the cell names the verb's label exactly when the role holds the verb
                words = set(re.split("[、]", shown))
                assert (zh(label) in words) == (verb in verbs), (resource, role, verb, shown)
            assert verbs or shown == "—", (resource, role, shown)


def test_the_collector_edits_collection_tasks_and_decides_no_waivers(roles_page, zh):
    _html, cells = roles_page
    edit, approve = zh(PERMISSION_LABELS[WRITE]), zh(PERMISSION_LABELS[APPROVE])
    assert (edit, approve) == ("编辑", "审批")
    assert zh(RESOURCE_LABELS[TASKS]) == "催缴任务" and zh(ROLE_LABELS[COLLECTOR]) == "催收员"
    tasks = cells[(TASKS, COLLECTOR)].split("、")
    assert (edit in tasks) == (WRITE in GRANTS[COLLECTOR][TASKS])
    assert "仅限本人" in tasks  # its own tasks only
    waivers = cells.get(("Waiver", COLLECTOR), "")
    assert (approve in waivers) == (APPROVE in GRANTS[COLLECTOR].get("Waiver", ()))


def test_the_administrator_may_do_everything(roles_page):
    html, cells = roles_page
    assert [key for key in cells if key[1] == ADMIN] == [(next(iter(RESOURCE_LABELS)), ADMIN)]
    assert 'id="admin_may_do_everything"' in html


@pytest.mark.parametrize("role", [r for r in ROLES if r != ADMIN])
def test_only_the_administrator_reaches_the_roles_page(login, role):
    client = login(role)
    assert client.get("/roles/").status_code in (302, 403)
    menu = client.get("/users/userinfo/").get_data(as_text=True)
    assert "/roles/" not in menu


def test_the_security_menu_has_users_and_roles_but_no_groups(login):
    client = login("Admin")
    html = client.get("/users/list/").get_data(as_text=True)
    assert 'href="/roles/"' in html and 'href="/users/list/"' in html
    assert "/groups/" not in html
    assert client.get("/groups/list/").status_code == 404


def test_the_demo_names_its_users_by_role_in_chinese(app, session):
    from app.demo import seed_demo

    seed_demo(session, app.appbuilder.sm, communities=1, units=2)
    # the tests' own users are named like the demo's but for customer service
    service = session.scalar(select(User).where(User.username == "service"))
    assert (service.first_name, service.last_name) == ("客服", "演示")


def test_no_screen_of_permission_rows_is_offered(login):
    """The roles are code: FAB's screens of permission rows (unused by builtin roles) are out."""
    admin = login("Admin")
    for path in ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/"):
        assert admin.get(path).status_code == 404, path
