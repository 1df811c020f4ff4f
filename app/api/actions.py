"""``@action``: one decorator for the API's own endpoints, their route and their OpenAPI.

``@action(rule, ...)`` stands for ``@expose(rule, methods=[method]) @protect() @safe
@permission_name(permission)`` and writes the endpoint's OpenAPI operation into its docstring,
after ``---``, where Flask-AppBuilder reads it: the docstring's text as the description, the
path parameters from the rule's converters, the request body and query from marshmallow schemas,
the success answers and the shared error answers (``#/components/responses/400``, ``404``;
``app.api.openapi`` adds the others). A schema is named by its class: the marshmallow plugin of
FAB's document publishes it once as ``#/components/schemas/<class name>`` (less a ``Schema``
suffix), and ``app.api.bodies`` checks a JSON body against that same schema (docs/api.md).
"""

import inspect
import re
from collections.abc import Mapping

import yaml
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema

#: A variable of a URL rule: ``<pk>``, ``<int:pk>``, ``<any(start, stop):step>``.
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
ERRORS = ("400", "404")


def _path_parameters(rule: str) -> list[dict]:
    parameters = []
    for converter, args, name in VARIABLE.findall(rule):
        schema = {"type": "integer" if converter == "int" else "string"}
        if converter == "any":
            schema["enum"] = [arg.strip(" '\"") for arg in args.split(",")]
        parameters.append({"in": "path", "name": name, "schema": schema})
    return parameters


def _named(schema: type[Schema]) -> str:
    """A schema as an operation names it: its path in marshmallow's class registry, which the
    plugin resolves to the schema's component."""
    return f"{schema.__module__}.{schema.__name__}"


def _content(media: str, schema: type[Schema] | dict) -> dict:
    return {media: {"schema": schema if isinstance(schema, dict) else _named(schema)}}


def _operation(rule, text, body, form, query, answers, status, returns) -> dict:
    operation: dict = {"description": " ".join(text.split())} if text else {}
    parameters = _path_parameters(rule)
    if query is not None:
        parameters.append({"in": "query", "schema": _named(query)})
    if parameters:
        operation["parameters"] = parameters
    for media, schema in (("application/json", body), ("multipart/form-data", form)):
        if schema is not None:
            operation["requestBody"] = {"content": _content(media, schema)}
            if any(field.required for field in schema().fields.values()):
                operation["requestBody"]["required"] = True
    if isinstance(answers, str):
        answers = {status: answers}
    responses = {}
    for code, description in answers.items():
        responses[str(code)] = {"description": description}
        if isinstance(returns, str):  # a file of this media type
            responses[str(code)]["content"] = _content(
                returns, {"type": "string", "format": "binary"}
            )
        elif returns is not None:
            responses[str(code)]["content"] = _content("application/json", returns)
    for code in ERRORS:
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    operation["responses"] = responses
    return operation


def action(
    rule: str,
    *,
    answers: str | Mapping[int, str],
    method: str = "POST",
    status: int = 200,
    permission: str | None = None,
    body: type[Schema] | None = None,
    form: type[Schema] | None = None,
    query: type[Schema] | None = None,
    returns: type[Schema] | str | None = None,
):
    """Expose, protect and document an endpoint of a ``BaseApi``.

    :param rule: the URL rule under the API's base (``"/<int:pk>/approve"``).
    :param answers: what a success answers: a description (status ``status``), or
        ``{status: description}`` when it has several.
    :param method: the one HTTP method.
    :param permission: the permission's name (default the function's name, as ``protect``);
        the class's ``method_permission_name`` maps it to the verb checked.
    :param body: the schema of the JSON body, checked by ``WuyeModelApi.run_action``.
    :param form: the schema of a ``multipart/form-data`` body (an upload).
    :param query: the schema of the query parameters.
    :param returns: what a success carries: a schema (JSON) or a file's media type.
    """

    def decorate(function):
        text = inspect.cleandoc(function.__doc__ or "")
        operation = _operation(rule, text, body, form, query, answers, status, returns)
        spec = yaml.safe_dump({method.lower(): operation}, allow_unicode=True, sort_keys=False)
        function.__doc__ = f"{text}\n---\n{spec}"
        function.action_body = body
        view = safe(permission_name(permission or function.__name__)(function))
        return expose(rule, methods=[method])(protect()(view))

    return decorate
