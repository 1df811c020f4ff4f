"""What an action reads: the shared schemas of bodies and queries, and the check of a JSON body
against the schema its ``@action`` declares (``app.api.actions``, docs/api.md).

An action's body schema is published in ``/api/v1/_openapi`` as a component; the same schema,
as the document writes it, is the check: a declared field of the wrong JSON type
(``"reason": true``) or a missing required one answers 400 naming it, before any service reads
the body. Undeclared fields are left to the service.
"""

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields

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


class Body(Schema):
    """The base of an action's body: fields it does not declare are the service's to judge
    (the document does not forbid them)."""

    class Meta:
        unknown = EXCLUDE


class NoteBody(Body):
    note = fields.String()


class ReasonBody(Body):
    reason = fields.String()


class AsOfQuery(Schema):
    as_of = fields.Date()


@cache
def json_schema(schema: type[Schema] | None) -> dict:
    """``schema`` as the OpenAPI document writes it ({} for none)."""
    if schema is None:
        return {}
    plugin = MarshmallowPlugin()
    APISpec("body", "1", "3.0.2", plugins=[plugin])
    return plugin.converter.schema2jsonschema(schema)


def declared_body(endpoint: str) -> dict:
    """The JSON schema of the body that ``endpoint``'s ``@action`` declares ({} if none)."""
    view = current_app.view_functions.get(endpoint)
    return json_schema(getattr(view, "action_body", None))


def check_body(body: dict) -> None:
    """Refuse ``body`` where it contradicts the request's declared body.

    :raises DomainError: naming each field of the wrong type, or missing though required.
    """
    schema = declared_body(request.endpoint or "")
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


def uploaded_file(max_bytes: int) -> bytes:
    """The multipart field ``file`` of the request, read up to ``max_bytes``.

    :raises DomainError: no file, or a larger one (naming the field ``file``).
    """
    upload = request.files.get("file")
    problems = Problems()
    problems.check(upload is not None, "file", _l("This field is required."))
    problems.raise_if_any()
    assert upload is not None  # else raise_if_any raised
    data = upload.read(max_bytes + 1)
    problems.check(
        len(data) <= max_bytes,
        "file",
        _l("The file is larger than %(mb)d MB.", mb=max_bytes >> 20),
    )
    problems.raise_if_any()
    return data
