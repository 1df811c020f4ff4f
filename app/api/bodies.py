"""An action's JSON body checked against the body its own docstring documents (docs/api.md).

The action endpoints (``POST /payment/<id>/reverse``, ``/waiver/<id>/approve``, ...) document
their body in the OpenAPI block of their docstring, which ``/api/v1/_openapi`` publishes. The
same block is the check: a documented field of the wrong JSON type (``"reason": true``) or a
missing required one answers 400 naming it, before any service reads the body. Undocumented
fields are left to the service.
"""

from functools import cache

from apispec.yaml_utils import load_yaml_from_docstring
from flask import current_app, request
from flask_babel import lazy_gettext as _l

from app.services.errors import Problems

EXPECTED = {
    "string": (_l("Expected text."), lambda v: isinstance(v, str)),
    "integer": (
        _l("Expected a whole number."),
        lambda v: isinstance(v, int) and not isinstance(v, bool),
    ),
    "number": (
        _l("Expected a number."),
        lambda v: isinstance(v, int | float | str) and not isinstance(v, bool),
    ),
    "boolean": (_l("Expected true or false."), lambda v: isinstance(v, bool)),
    "array": (_l("Expected a list."), lambda v: isinstance(v, list)),
    "object": (_l("Expected an object."), lambda v: isinstance(v, dict)),
}


@cache
def documented_body(endpoint: str, method: str) -> dict:
    """The JSON schema of the body that ``endpoint`` documents for ``method`` ({} if none)."""
    view = current_app.view_functions.get(endpoint)
    spec = load_yaml_from_docstring(getattr(view, "__doc__", None) or "") or {}
    operation = spec.get(method.lower()) or {}
    content = (operation.get("requestBody") or {}).get("content") or {}
    return (content.get("application/json") or {}).get("schema") or {}


def check_body(body: dict) -> None:
    """Refuse ``body`` where it contradicts the request's documented body.

    :raises DomainError: naming each field of the wrong type, or missing though required.
    """
    schema = documented_body(request.endpoint or "", request.method)
    problems = Problems()
    for name in schema.get("required", ()):
        problems.check(body.get(name) is not None, name, _l("This field is required."))
    for name, field in (schema.get("properties") or {}).items():
        value = body.get(name)
        if value is None or field.get("type") not in EXPECTED:
            continue
        why, fits = EXPECTED[field["type"]]
        problems.check(fits(value), name, why)
    problems.raise_if_any()
