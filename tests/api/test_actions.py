"""``@action`` (app/api/actions.py): the route, the permission and the OpenAPI operation of the
API's own endpoints, and one schema for a body, published and checked."""

import re

import pytest
import yaml
from apispec.yaml_utils import load_operations_from_docstring
from flask_appbuilder.api import BaseApi

from app.api import APIS
from app.api.actions import action
from app.api.base import WuyeModelApi
from app.api.billing import BillingApi, RunRequestSchema
from app.api.bodies import NoteBody, json_schema
from app.api.openapi import OpenApi

#: Endpoints declared otherwise, and why: the rison ``q`` of a resource's export is no
#: marshmallow schema; the export path has no permission of its own (it hands the request to
#: the resource's export); the OpenAPI document is FAB's own endpoint, overridden.
NOT_ACTIONS = {("WuyeModelApi", "export"), ("ExportApi", "export"), ("OpenApi", "get")}


def endpoints():
    """``(api class, name, function)`` of every endpoint the API's classes declare themselves
    (FAB's standard ones, declared by ``ModelRestApi``, aside)."""
    for api in (*APIS, WuyeModelApi, OpenApi):
        for name, function in vars(api).items():
            if hasattr(function, "_urls"):
                yield api, name, function


ACTIONS = [(api, name, f) for api, name, f in endpoints() if hasattr(f, "action_body")]


def test_every_own_endpoint_is_an_action():
    others = {(a.__name__, name) for a, name, f in endpoints() if not hasattr(f, "action_body")}
    assert others == NOT_ACTIONS
    assert len(ACTIONS) >= 46


def test_the_decorator_stands_for_the_four():
    class Api(BaseApi):
        @action("/<int:pk>/<any(start, stop):step>", body=NoteBody, answers="the row", status=201)
        def move(self, pk: int, step: str):
            """Move a row on."""

    move = Api.move
    assert move._urls == [("/<int:pk>/<any(start, stop):step>", ["POST"])]
    assert move._permission_name == "move"
    assert move.action_body is NoteBody
    operation = load_operations_from_docstring(move.__doc__)["post"]
    assert operation["description"] == "Move a row on."
    assert operation["parameters"] == [
        {"in": "path", "name": "pk", "schema": {"type": "integer"}},
        {"in": "path", "name": "step", "schema": {"type": "string", "enum": ["start", "stop"]}},
    ]
    assert operation["requestBody"] == {
        "content": {"application/json": {"schema": "app.api.bodies.NoteBody"}}
    }
    assert operation["responses"]["201"] == {"description": "the row"}
    assert set(operation["responses"]) == {"201", "400", "404"}


@pytest.mark.parametrize(
    ("api", "name", "function"), ACTIONS, ids=lambda v: getattr(v, "__name__", v)
)
def test_the_operation_survives_fabs_reading(api, name, function):
    """FAB reads the docstring's operation back through ``str()`` and YAML: it must come out
    the same (a description with both kinds of quote would not)."""
    operations = load_operations_from_docstring(function.__doc__)
    assert yaml.safe_load(str(operations)) == operations


def test_a_required_field_makes_the_body_required():
    assert json_schema(RunRequestSchema)["required"] == ["period"]
    operation = load_operations_from_docstring(BillingApi.run.__doc__)["post"]
    assert operation["requestBody"]["required"] is True


def test_the_document_publishes_the_schema_the_check_reads(client, api):
    """Each JSON body is a component of the document, the very schema ``check_body`` reads."""
    document = client.get("/api/v1/_openapi", headers=api("Admin")).json
    with_body = [(a, f) for a, _, f in ACTIONS if f.action_body is not None]
    for api_class, function in with_body:
        ((rule, (method,)),) = function._urls
        path = f"/api/v1/{api_class.resource_name}" + re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule)
        body = document["paths"][path][method.lower()]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"]
        name = ref.removeprefix("#/components/schemas/")
        assert document["components"]["schemas"][name] == json_schema(function.action_body), path
    assert len(with_body) >= 15


def test_a_body_of_the_wrong_type_is_refused_naming_the_field(client, api):
    response = client.post("/api/v1/payment/1/reverse", json={"reason": True}, headers=api("Admin"))
    assert response.status_code == 400, response.json
    assert list(response.json["message"]) == ["reason"]
