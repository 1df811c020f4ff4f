"""``/api/v1/_openapi``: FAB's document, made to say what the API answers (docs/api.md).

FAB documents every error as ``{"message": string}`` and each operation with a few codes of its
own choice. Here the errors are what ``app.api.base`` answers: ``message`` is a text or an object
naming each field (``{"amount": ["..."]}``); every operation may answer 400 (bad input), 401 (no
or a bad token), 403 (no permission), 404 (an unknown or out-of-scope row) and 503 (the
database or Redis out of reach), every write 409 (a conflict), and the login 429 (too many
sign-ins: app.lockout). The test ``tests/api/test_openapi_fuzz.py`` holds the API to this
document.
"""

from copy import deepcopy

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi

MESSAGE = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "description": "field name → the reasons it was refused"},
    ]
}
ERRORS = {
    "400": "Bad request: the message names each refused field",
    "401": "Not signed in, or the token is invalid or expired",
    "403": "The role may not do this",
    "404": "No such row, or not in the caller's communities",
    "409": "A conflict with the rows as they are (a duplicate, a step already taken)",
    "422": "Could not process the entity",
    "429": "Too many sign-ins from this address, or failed ones for this account (Retry-After)",
    "500": "Fatal error",
    "503": "The database or the job queue cannot be reached: try again (Retry-After)",
}
EVERY_OPERATION = ("400", "401", "403", "404", "503")
WRITES = ("post", "put", "delete")


def _error(description: str) -> dict:
    schema = {"type": "object", "properties": {"message": MESSAGE}}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _fix_ids(operation: dict) -> None:
    """FAB documents the ``id`` of a new row and a list's ``ids`` as strings; they are
    integers."""
    for answer in operation.get("responses", {}).values():
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        properties = schema.get("properties", {})
        if properties.get("id", {}).get("type") == "string":
            properties["id"] = {"type": "integer"}
        if properties.get("ids", {}).get("type") == "array":
            properties["ids"]["items"] = {"type": "integer"}


def _fix_decimals(schemas: dict) -> None:
    """Numeric columns (money, areas, rates) answer as decimal strings (``"150.00"``) and are
    read from a string or a number; FAB documents them as numbers."""
    for name, schema in schemas.items():
        writing = name.endswith((".post", ".put"))
        for field in schema.get("properties", {}).values():
            if field.get("type") != "number":
                continue
            nullable = field.pop("nullable", False)
            text = {"type": "string", "format": "decimal", "nullable": nullable}
            if writing:
                field.pop("type")
                field["anyOf"] = [{"type": "number", "nullable": nullable}, text]
            else:
                field.update(text)


def _fix_info(operation: dict) -> None:
    """FAB documents ``_info``'s ``add_columns``/``edit_columns`` as objects; they are lists."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    properties = content.get("application/json", {}).get("schema", {}).get("properties", {})
    for key in ("add_columns", "edit_columns"):
        if key in properties:
            properties[key] = {"type": "array", "items": {"type": "object"}}


def complete(spec: dict) -> dict:
    """``spec`` with the error answers of every operation documented as they are."""
    spec = deepcopy(spec)
    responses = spec.setdefault("components", {}).setdefault("responses", {})
    for code, description in ERRORS.items():
        responses[code] = _error(description)
    _fix_decimals(spec["components"].get("schemas", {}))
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "delete"):
                continue
            answers = operation.setdefault("responses", {})
            for code in EVERY_OPERATION + (("409",) if method in WRITES else ()):
                answers.setdefault(code, {"$ref": f"#/components/responses/{code}"})
            if path.endswith("/security/login"):
                answers.setdefault("429", {"$ref": "#/components/responses/429"})
            _fix_ids(operation)
            if path.endswith("/_info"):
                _fix_info(operation)
    return spec


class OpenApi(FabOpenApi):
    """FAB's ``/api/<version>/_openapi`` (same name, route and permission), completed."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of one API version.
        ---
        get:
          parameters:
          - {in: path, name: version, schema: {type: string}}
          responses:
            200:
              description: The OpenAPI document
              content:
                application/json:
                  schema: {type: object}
        """
        api_spec = self._create_api_spec(version)
        apis = [
            view
            for view in current_app.appbuilder.baseviews
            if isinstance(view, BaseApi) and view.version == version
        ]
        if not apis:
            return self.response_404()
        for api in apis:
            api.add_api_spec(api_spec)
        return self.response(200, **complete(api_spec.to_dict()))
