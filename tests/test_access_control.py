"""Login protection: rate limits, password strength, the secret key kept out of the repo."""

import re

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from sqlalchemy import select

import config
from app.factory import create_app
from app.security.passwords import password_strength
from tests.conftest import PASSWORD


def production_like(app, **overrides):
    """A second app on the same database with production protections switched on (still
    ``TESTING``, which keeps embedded mode's clock thread from starting)."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        | overrides
    ).test_client()


@pytest.fixture
def limited_client(app):
    return production_like(app, RATELIMIT_ENABLED=True)


def test_forms_need_a_csrf_token_and_gets_never_delete(app, session):
    from app.models import Community

    client = production_like(app, WTF_CSRF_ENABLED=True)
    login_page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    signed_in = client.post(
        "/login/", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    assert client.post("/communityview/add", data={"code": "X", "name": "X"}).status_code == 400
    client.get("/communityview/delete/2")
    assert session.get(Community, 2) is not None


@pytest.mark.parametrize(
    ("path", "payload"),
    [("/login/", "form"), ("/api/v1/security/login", "json")],
)
def test_login_is_rate_limited(limited_client, path, payload):
    """Per client address, whatever names are tried (one name is locked sooner: lockout)."""
    bodies = [
        {"username": f"guess-{n}", "password": "wrong-password", "provider": "db"}
        for n in range(11)
    ]
    statuses = [
        (
            limited_client.post(path, json=body)
            if payload == "json"
            else limited_client.post(path, data=body)
        ).status_code
        for body in bodies
    ]
    assert 429 not in statuses[:10]
    assert statuses[10] == 429


def test_login_works_and_is_still_limited_with_redis_down(app):
    """The limiter keeps its counts in Redis; with Redis away it counts in memory instead."""
    from tests.postgres import _free_port

    dead = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    client = production_like(
        app, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=dead, WUYE_REDIS_URL=dead
    )
    signed_in = client.post("/login/", data={"username": "admin", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/communityview/list/").status_code == 200
    wrong = {"username": "admin", "password": "wrong-password"}
    statuses = [client.post("/login/", data=wrong).status_code for _ in range(10)]
    assert statuses[-1] == 429 and 500 not in statuses


@pytest.mark.parametrize("weak", ["short1A!", "alllowercaseletters", "ALLUPPER12345", ""])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(PasswordComplexityValidationError):
        password_strength(weak)


@pytest.mark.parametrize("strong", ["Wuye-Demo-2026", "correct horse Battery", "ABCdef123456"])
def test_strong_passwords_pass(strong):
    password_strength(strong)


@pytest.mark.parametrize(("password", "created"), [("abc", False), ("Strong-Pass-2026", True)])
def test_the_user_form_enforces_password_strength(login, session, password, created):
    from flask_appbuilder.security.sqla.models import User

    client = login("Admin")
    client.post(
        "/users/add",
        data={
            "first_name": "新",
            "last_name": "员工",
            "username": "newbie",
            "email": "newbie@example.com",
            "active": "y",
            "roles": ["2"],
            "password": password,
            "conf_password": password,
        },
        follow_redirects=True,
    )
    session.rollback()
    assert (session.scalar(select(User).where(User.username == "newbie")) is not None) is created


def test_the_secret_key_is_generated_once_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv("WUYE_SECRET_KEY", raising=False)
    first = config.load(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 32
    assert config.load(str(tmp_path))["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("WUYE_SECRET_KEY", "from-the-environment")
    assert config.load(str(tmp_path))["SECRET_KEY"] == "from-the-environment"


@pytest.mark.parametrize("role", ["Manager", "Finance", "CustomerService", "Collector", "Auditor"])
def test_staff_reach_their_own_profile_and_password_but_not_other_users(login, role):
    client = login(role)
    assert client.get("/users/userinfo/").status_code == 200
    assert client.get("/resetmypassword/form").status_code == 200
    assert client.get("/users/list/").status_code == 403
