"""An account is locked after 5 failed sign-ins in 15 minutes, from any address (app/lockout.py).

Each attempt comes from another client address, as a guesser with many addresses would send
them: the limiter per address never trips, the lock per account does.
"""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import time_machine

from app.factory import create_app
from tests.conftest import PASSWORD
from tests.test_access_control import production_like

LOCKED = "该账号登录失败次数过多"
ADDRESSES = (f"10.0.{n // 250}.{n % 250 + 1}" for n in count())


@pytest.fixture
def guarded(app):
    return production_like(app, RATELIMIT_ENABLED=True)


def _sign_in(client, how: str, username: str, password: str):
    environ = {"REMOTE_ADDR": next(ADDRESSES)}
    if how == "json":
        body = {"username": username, "password": password, "provider": "db"}
        return client.post("/api/v1/security/login", json=body, environ_base=environ)
    return client.post(
        "/login/", data={"username": username, "password": password}, environ_base=environ
    )


def _signed_in(answer, how: str) -> bool:
    if how == "json":
        return answer.status_code == 200 and "access_token" in answer.get_json()
    return answer.status_code == 302 and "/login/" not in answer.location


def _fail(client, how: str, username: str, times: int = 5) -> None:
    for _ in range(times):
        answer = _sign_in(client, how, username, "Wrong-Password-1")
        assert not _signed_in(answer, how)
        assert answer.status_code == (401 if how == "json" else 302)  # refused, not yet locked


@pytest.mark.parametrize("how", ["form", "json"])
def test_five_failures_lock_the_account_even_with_its_password(guarded, how):
    _fail(guarded, how, "finance")
    answer = _sign_in(guarded, how, "finance", PASSWORD)
    assert not _signed_in(answer, how)
    assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60
    if how == "json":
        assert answer.status_code == 429
        assert answer.get_json()["message"] == "该账号登录失败次数过多：请在 15 分钟后再试。"
    else:
        assert LOCKED in guarded.get(answer.location).get_data(as_text=True)
    # Another account, from an address that just failed, is not touched.
    assert _signed_in(_sign_in(guarded, how, "manager", PASSWORD), how)


@pytest.mark.parametrize("how", ["form", "json"])
def test_a_name_nobody_has_is_locked_the_same_way(guarded, how):
    """The answers never tell which accounts exist."""
    answers = {}
    for name in ("auditor", "nobody-by-this-name"):
        _fail(guarded, how, name)
        answer = _sign_in(guarded, how, name, PASSWORD)
        body = (
            answer.get_json()
            if how == "json"
            else guarded.get(answer.location).get_data(as_text=True)
        )
        answers[name] = (answer.status_code, LOCKED in str(body))
    assert (
        answers["auditor"]
        == answers["nobody-by-this-name"]
        == ((429, True) if how == "json" else (302, True))
    )


def test_names_are_counted_whatever_their_case(guarded):
    _fail(guarded, "json", "Collector", times=3)
    _fail(guarded, "json", " COLLECTOR", times=2)
    assert _sign_in(guarded, "json", "collector", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_count(guarded):
    _fail(guarded, "json", "finance", times=4)
    assert _signed_in(_sign_in(guarded, "json", "finance", PASSWORD), "json")
    _fail(guarded, "json", "finance", times=4)
    assert _signed_in(_sign_in(guarded, "json", "finance", PASSWORD), "json")


def test_the_lock_ends_with_its_window(guarded):
    _fail(guarded, "json", "finance")
    assert _sign_in(guarded, "json", "finance", PASSWORD).status_code == 429
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16)):
        assert _signed_in(_sign_in(guarded, "json", "finance", PASSWORD), "json")


def test_the_number_and_window_are_a_setting(app):
    client = production_like(app, RATELIMIT_ENABLED=True, WUYE_LOGIN_LOCKOUT="2 per hour")
    _fail(client, "json", "finance", times=2)
    answer = _sign_in(client, "json", "finance", PASSWORD)
    assert answer.status_code == 429
    assert 15 * 60 < int(answer.headers["Retry-After"]) <= 3600


def test_a_setting_that_is_no_rate_stops_the_start_with_its_name(app):
    with pytest.raises(ValueError, match="WUYE_LOGIN_LOCKOUT"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "WUYE_LOGIN_LOCKOUT": "five a day",
            }
        )


def test_no_lock_while_the_limiter_is_off(app):
    client = production_like(app, RATELIMIT_ENABLED=False)
    _fail(client, "json", "finance", times=6)
    assert _signed_in(_sign_in(client, "json", "finance", PASSWORD), "json")


def test_a_lock_is_logged_once_with_the_address(guarded, caplog):
    with caplog.at_level("WARNING", logger="app.lockout"):
        _fail(guarded, "json", "finance", times=4)
        assert "locked" not in caplog.text
        _fail(guarded, "json", "finance", times=1)
        assert _sign_in(guarded, "json", "finance", PASSWORD).status_code == 429
    locks = [r for r in caplog.records if "locked after repeated failures" in r.getMessage()]
    assert len(locks) == 1 and "'finance'" in locks[0].getMessage()
    assert "10.0." in locks[0].getMessage()
