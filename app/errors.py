"""Answers for the faults of the machinery rather than of the input: the database out of reach,
and HTTP errors on ``/api/`` (an unknown route or method) as JSON like every API answer.

A request that meets a database outage (PostgreSQL restarting, the network away) answers
``503`` with ``Retry-After`` — JSON ``{"message": …}`` on ``/api/``, a short page elsewhere —
never a 500: nothing was written (the transaction could not commit) and the same request will
work once the database is back (``pool_pre_ping`` replaces the dead connections).

Flask-AppBuilder's ``@safe`` turns every exception of an API method into its own 500 answer
before Flask's error handlers see it; ``init_app`` makes that answer a 503 too when the
exception is an outage.
"""

import json
import logging
import sys

from flask import abort, current_app, jsonify, render_template, render_template_string, request
from flask_appbuilder.api import BaseApi
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.extensions import db
from app.services.queries import MAX_ID

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10
PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>503</title>
<p>{{ message }}</p><p><a href="{{ request.url }}">{{ again }}</a></p></html>"""


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` says the database is out of reach (not that a statement was wrong)."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def database_unavailable(_error=None):
    _end_session()  # its connection is dead; the next request gets a fresh one
    message = gettext("The database cannot be reached right now: try again in a moment.")
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
    else:
        response = render_template_string(PAGE, message=message, again=gettext("Try again"))
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return response, 503, headers


def _end_session(_error=None) -> None:
    """End the request's session; if its connection died meanwhile (the database restarted
    after the answer was made), drop it instead of failing the finished request."""
    try:
        db.session.remove()
    except OperationalError:
        db.session().invalidate()  # no rollback on a dead connection: it is discarded
        db.session.remove()


def ids_in_range(_endpoint, values) -> None:
    """A URL's row id beyond what the database holds (``MAX_ID``) names no row: 404 before any
    query (PostgreSQL would refuse the number, SQLite overflow)."""
    for key, value in (values or {}).items():
        number = value if isinstance(value, int) else None
        if key == "pk" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value)
        if number is not None and abs(number) > MAX_ID:
            abort(404)


#: What an error page says, by HTTP status (others: ``ERROR_OTHER``).
ERROR_MESSAGES = {
    400: _l("The request was not understood: check what was entered and try again."),
    403: _l("You may not do this: your role does not allow it."),
    404: _l("There is no such page, or it is not one of your communities'."),
    405: _l("This page does not take that kind of request."),
    413: _l("The file is too large."),
    429: _l("Too many requests: wait a moment and try again."),
    500: _l("Something went wrong on our side; nothing was saved. Try again, or tell the admin."),
}
ERROR_OTHER = _l("The request could not be completed.")


def error_page(error: HTTPException):
    """An HTTP error as a page of the back office, in the user's language (Werkzeug's own is
    English): the refusal's own message when the code gave one (``abort(400, description=…)``),
    else what the status means. Werkzeug's page if the layout itself cannot be drawn."""
    code = error.code or 500
    own = error.description if error.description != type(error).description else None
    try:
        appbuilder = current_app.appbuilder
        page = render_template(
            "error.html",
            base_template=appbuilder.base_template,
            appbuilder=appbuilder,
            code=code,
            message=own or ERROR_MESSAGES.get(code, ERROR_OTHER),
        )
    except Exception:  # noqa: BLE001 — the error's own page then, never a second error
        log.exception("the error page of %s could not be drawn", code)
        return error
    response = error.get_response()
    response.set_data(page)
    response.content_type = "text/html; charset=utf-8"
    return response


def api_http_error(error: HTTPException):
    """On ``/api/`` an HTTP error (no such route, a method the route has not, a path parameter
    of the wrong form) answers JSON ``{"message": …}`` like the API's own refusals; elsewhere
    the back office's page (``error_page``)."""
    if not request.path.startswith("/api/"):
        return error_page(error)
    if isinstance(error, MethodNotAllowed) and request.method in ("GET", "HEAD"):
        # A read of a row id of the wrong form (FAB's GET takes ``<int:pk>``, its PUT and
        # DELETE any ``<pk>``): no such row. A write a resource does not take stays 405.
        error = NotFound()
    response = error.get_response()
    response.set_data(json.dumps({"message": error.description or error.name}))
    response.content_type = "application/json"
    return response


def init_app(app) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.url_value_preprocessor(ids_in_range)
    app.register_error_handler(HTTPException, api_http_error)
    # Registered after Flask-SQLAlchemy's own, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_end_session)
    if getattr(BaseApi.response_500, "wuye", False):
        return
    fab_response_500 = BaseApi.response_500

    def response_500(self, message=None):
        if is_outage(sys.exc_info()[1]):  # called from @safe's except block
            return database_unavailable()
        return fab_response_500(self, message)

    response_500.wuye = True
    BaseApi.response_500 = response_500
