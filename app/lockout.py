"""An account is locked for a while after repeated failed sign-ins (docs/security.md).

The login limiter (``AUTH_RATE_LIMIT``) counts per client address: a guesser with many addresses
gets past it. So failed sign-ins are also counted per account name, whatever the address, in the
limiter's storage (Redis in production, this process's memory while Redis is away). After
``WUYE_LOGIN_LOCKOUT`` failures (default ``5 per 15 minutes``) the name is refused — the right
password too — until its window ends: the login form says so, the JSON login answers 429 with
``Retry-After``. A name that belongs to nobody is counted and locked the same way, so the answer
never tells which accounts exist. A successful sign-in clears the count. The lockout is on
whenever the limiter is (``RATELIMIT_ENABLED``).
"""

import hashlib
import logging
import math
import time

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_babel import gettext
from limits import parse

log = logging.getLogger(__name__)
LOGIN_ENDPOINTS = {"AuthDBView.login": "form", "SecurityApi.login": "json"}


def _limiter():
    limiter = current_app.appbuilder.sm.limiter
    return limiter if limiter.enabled else None


def _key(username: str) -> str:
    # FAB finds users by name case-insensitively; the digest keeps odd input out of the key.
    return "wuye-lockout/" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def _rule():
    return parse(current_app.config["WUYE_LOGIN_LOCKOUT"])


def locked_for(username: str | None) -> int:
    """Seconds ``username`` stays locked (0: not locked)."""
    limiter = _limiter()
    if limiter is None or not username:
        return 0
    # The limiter's strategy counts on Redis, or in memory once Redis has failed a check.
    strategy, rule = limiter.limiter, _rule()
    try:
        if strategy.test(rule, _key(username)):
            return 0
        reset = strategy.get_window_stats(rule, _key(username)).reset_time
    except Exception:  # noqa: BLE001 — storage away: never refuse a login for it
        log.warning("login lockout: the limiter's storage cannot be read", exc_info=True)
        return 0
    return max(1, math.ceil(reset - time.time()))


def _record(username: str | None, succeeded: bool) -> None:
    limiter = _limiter()
    if limiter is None or not username:
        return
    strategy, rule = limiter.limiter, _rule()
    try:
        if succeeded:
            strategy.clear(rule, _key(username))
        elif not strategy.hit(rule, _key(username)) or not strategy.test(rule, _key(username)):
            # this failure used up the window: the name is locked from the next attempt on
            log.warning(
                "login lockout: %r locked after repeated failures from %s",
                username[:64],
                request.remote_addr,
            )
    except Exception:  # noqa: BLE001 — storage away: never refuse a login for it
        log.warning("login lockout: the limiter's storage cannot be written", exc_info=True)


class LockoutSecurityManager(SecurityManager):
    """Flask-AppBuilder's security manager, counting each sign-in's outcome per name.

    Without FAB's user-statistics screen: it draws with Google Charts, fetched from the
    internet (out of reach in mainland China, and refused by the Content-Security-Policy)."""

    userstatschartview = None

    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        _record(username if isinstance(username, str) else None, user is not None)
        return user


def _refuse_locked():
    kind = LOGIN_ENDPOINTS.get(request.endpoint or "")
    if kind is None or request.method != "POST":
        return None
    if kind == "json":
        body = request.get_json(silent=True)
        username = body.get("username") if isinstance(body, dict) else None
    else:
        username = request.form.get("username")
    seconds = locked_for(username if isinstance(username, str) else None)
    if not seconds:
        return None
    message = gettext(
        "Too many failed sign-ins for this account: try again in %(minutes)d minutes.",
        minutes=math.ceil(seconds / 60),
    )
    if kind == "json":
        response = jsonify(message=message)
        response.status_code = 429
    else:
        flash(message, "warning")
        response = redirect(url_for("AuthDBView.login"))
    response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app) -> None:
    try:
        parse(app.config["WUYE_LOGIN_LOCKOUT"])
    except ValueError as error:
        raise ValueError(f"WUYE_LOGIN_LOCKOUT: {error} (e.g. '5 per 15 minutes')") from None
    app.before_request(_refuse_locked)
