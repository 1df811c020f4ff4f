"""Signed-in browser sessions end at logout (docs/security.md).

Flask keeps the session in a signed cookie: by itself, a copy of the cookie keeps working after
its owner signs out. So a sign-in records a random id in the cookie and its SHA-256 in the
``user_session`` table; every request with a signed-in cookie must find its row, and signing out
deletes it. A cookie without a live row is signed out on the spot.
"""

import hashlib
import secrets
from datetime import UTC, datetime

from flask import request, session
from flask_login import logout_user, user_logged_in, user_logged_out

from app.extensions import db, unit_of_work
from app.models import UserSession

KEY = "wuye_session"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _started(_app, user, **_extra) -> None:
    session_id = secrets.token_urlsafe(32)
    with unit_of_work() as work:
        work.add(
            UserSession(digest=_digest(session_id), user_id=user.id, started_at=datetime.now(UTC))
        )
    session[KEY] = session_id


def _ended(_app, user, **_extra) -> None:
    session_id = session.pop(KEY, None)
    if session_id:
        with unit_of_work() as work:
            row = work.get(UserSession, _digest(session_id))
            if row is not None:
                work.delete(row)  # audited, like the sign-in


def _check() -> None:
    if "_user_id" not in session or (request.endpoint or "").endswith("static"):
        return
    session_id = session.get(KEY)
    if session_id and db.session.get(UserSession, _digest(session_id)) is not None:
        return
    logout_user()
    session.clear()


def init_app(app) -> None:
    user_logged_in.connect(_started, app)
    user_logged_out.connect(_ended, app)
    app.before_request(_check)
