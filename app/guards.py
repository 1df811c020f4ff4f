"""A request whose text no column can hold is refused before any view runs: 400 naming the field.

NUL characters (PostgreSQL text cannot hold them) and lone UTF-16 surrogates (not encodable as
UTF-8) are in no real input; SQLite stored them and PostgreSQL answered 500 (docs/input.md).
"""

from flask import abort, flash, jsonify, make_response, redirect, request
from flask_babel import gettext


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


def refuse_unstorable_text() -> None:
    fields = [key for key, value in request.args.items(multi=True) if unstorable(key + value)]
    if request.mimetype == "application/json":
        fields += list(_bad_fields(request.get_json(silent=True)))
    elif request.method == "POST":
        fields += [key for key, value in request.form.items(multi=True)
                   if unstorable(key + value)]
    if not fields:
        return
    message = gettext("Text with a NUL or an invalid character cannot be stored: %(fields)s.",
                      fields=", ".join(sorted(set(fields))))
    if request.path.startswith("/api/"):
        abort(make_response(jsonify(message={field: [message] for field in fields}), 400))
    flash(message, "danger")
    abort(redirect(request.path))


def init_app(app) -> None:
    app.before_request(refuse_unstorable_text)
