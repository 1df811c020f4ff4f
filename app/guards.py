"""Requests refused before any view runs.

- Text no column can hold: NUL characters (PostgreSQL text cannot hold them) and lone UTF-16
  surrogates (not encodable as UTF-8) are in no real input; SQLite stored them and PostgreSQL
  answered 500 (docs/input.md). 400 naming the field.
- A state-changing API call authenticated by the browser's session cookie rather than a bearer
  token must carry the page's CSRF token (header ``X-CSRFToken``): otherwise any site the user
  visits could post to the API in their name (docs/security.md). 400.
- Flask-AppBuilder's file-column downloads (``/<view>/download/<filename>``): no view has file
  columns. 404.
- An invalid or forged bearer token: 401, as a missing one.
"""

from flask import abort, flash, jsonify, make_response, redirect, request
from flask_babel import gettext
from flask_login import current_user as session_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKENLESS = {"/api/v1/security/login"}  # the call that gets a token


def unstorable(value) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad_fields(value, path: str = ""):
    """The paths of the strings in ``value`` (JSON) that no column can hold."""
    if isinstance(value, str):
        if unstorable(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_fields(key, path or "body")
            yield from _bad_fields(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _bad_fields(item, f"{path}[{n}]")


def _bad_pairs(pairs) -> list[str]:
    """The names of the query or form fields whose name or value cannot be stored (a
    multipart part may come without a name)."""
    return [
        str(key or "")
        for key, value in pairs.items(multi=True)
        if unstorable(f"{key or ''}{value or ''}")
    ]


def refuse_unstorable_text() -> None:
    fields = _bad_pairs(request.args)
    if request.mimetype == "application/json":
        fields += list(_bad_fields(request.get_json(silent=True)))
    elif request.method == "POST":
        fields += _bad_pairs(request.form)
    if not fields:
        return
    message = gettext(
        "Text with a NUL or an invalid character cannot be stored: %(fields)s.",
        fields=", ".join(sorted(set(fields))),
    )
    if request.path.startswith("/api/"):
        abort(make_response(jsonify(message={field: [message] for field in fields}), 400))
    flash(message, "danger")
    abort(redirect(request.path))


def refuse_cookie_writes_without_csrf() -> None:
    if not request.path.startswith("/api/") or request.method in SAFE_METHODS:
        return
    if request.headers.get("Authorization", "").startswith("Bearer ") or (
        request.path in TOKENLESS
    ):
        return
    if not session_user.is_authenticated:
        return  # no credentials at all: the API answers 401
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        message = gettext("A change through the API needs a bearer token or the page's CSRF token.")
        abort(make_response(jsonify(message=message), 400))


def no_file_column_downloads() -> None:
    """Flask-AppBuilder gives every model view ``/<view>/download/<filename>`` for file columns;
    none of ours has one, and the route answered 500 (no ``UPLOAD_FOLDER``)."""
    rule = request.url_rule.rule if request.url_rule is not None else ""
    if rule.endswith("/download/<string:filename>"):
        abort(404)


def _bad_token(reason: str):
    """A forged, malformed or foreign bearer token: 401 like a missing one (the library's
    default, 422, says the request was understood)."""
    return jsonify(message=reason), 401


def init_app(app) -> None:
    jwt = app.appbuilder.sm.jwt_manager
    jwt.invalid_token_loader(_bad_token)
    jwt.expired_token_loader(lambda _header, _payload: _bad_token("Token has expired"))
    app.before_request(no_file_column_downloads)
    app.before_request(refuse_cookie_writes_without_csrf)
    app.before_request(refuse_unstorable_text)
