"""Statement import for integrations: ``POST /api/v1/statement/import`` (a multipart file),
``POST /api/v1/statement_entry/<id>/assign``, and the read-only ``statement_import`` and
``statement_entry`` resources (list, get, export).

A file with any problem imports nothing and answers 400 with every problem (row, column,
message in the caller's language); a good one answers 200 with the counts. ``community_id``
limits the matching to one of the caller's communities (another is refused: 400). An entry
(list and get) carries its ``candidates``: the units its remark's codes name in the caller's
communities while it waits for one.
"""

from flask import request
from flask_appbuilder.api import BaseApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from sqlalchemy import select

from app.domain.money import to_fen
from app.extensions import db, unit_of_work
from app.labels import STATEMENT_PROBLEMS
from app.models import StatementEntry, StatementImport
from app.security.scoping import StatementEntryScope, StatementImportScope, current_user
from app.services.errors import DomainError
from app.services.statements import DETECT, assign_entry, candidate_units, import_statement

from .actions import action
from .base import WuyeModelApi
from .bodies import Body, uploaded_file

MAX_BYTES = 20 * 1024 * 1024
NOT_AN_OBJECT = _l("The request body must be a JSON object.")


class StatementFileForm(Body):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})
    format = fields.String(
        metadata={
            "description": "detect (default), generic, wechat, alipay, bank or a bank "
            "mapping's name"
        }
    )
    community_id = fields.Integer(
        metadata={
            "description": "match the rows to this community's units only (one of the caller's "
            "communities)"
        }
    )


class AssignEntryBody(Body):
    unit_id = fields.Integer()
    remember_account = fields.Boolean()


def _problem(p) -> dict:
    return {
        "row": p.row,
        "column": p.column,
        "message": str(STATEMENT_PROBLEMS.get(p.message, p.message)),
        "code": p.message,
    }


class StatementApi(BaseApi):
    resource_name = "statement"
    class_permission_name = "StatementImport"
    method_permission_name = {"import_file": "write"}
    openapi_spec_tag = "Statement import"
    allow_browser_login = True

    @action("/import", form=StatementFileForm, answers="the counts of the import")
    def import_file(self):
        """Import a statement file (multipart field ``file``; optional ``format``)."""
        try:
            data = uploaded_file(MAX_BYTES)
            with unit_of_work() as session:
                result = import_statement(
                    session,
                    data,
                    request.files["file"].filename or "",
                    request.form.get("format") or DETECT,
                    actor=current_user().username,
                    community_id=request.form.get("community_id"),
                )
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        counts = {
            "import_id": result.import_id,
            "format": result.format,
            "rows": result.rows,
            "matched": result.matched,
            "unmatched": result.unmatched,
            "duplicates": result.duplicates,
            "refunds": result.refunds,
            "reversed": result.reversed,
            "errors": result.errors,
            "match_rate": None if result.match_rate is None else str(result.match_rate),
        }
        if result.errors:
            problems = [_problem(p) for p in result.problems]
            return self.response(
                400,
                message={
                    "file": [
                        gettext("Nothing was imported: the file has problems."),
                        *(
                            gettext(
                                "row %(row)d, column %(column)s: %(message)s",
                                row=p["row"],
                                column=p["column"],
                                message=p["message"],
                            )
                            for p in problems
                        ),
                    ]
                },
                problems=problems,
                **counts,
            )
        return self.response(200, **counts)


class StatementImportApi(WuyeModelApi):
    resource_name = "statement_import"
    class_permission_name = "StatementImport"
    datamodel = SQLAInterface(StatementImport)
    base_filters = [["id", StatementImportScope, None]]
    include_route_methods = {"get", "get_list", "info", "export"}
    list_columns = [
        "id",
        "filename",
        "format",
        "sha256",
        "imported_at",
        "imported_by",
        "rows",
        "matched",
        "unmatched",
        "duplicates",
        "refunds",
    ]
    show_columns = list_columns
    search_columns = ["filename", "format", "imported_at", "imported_by"]
    base_order = ("id", "desc")


class StatementEntryApi(WuyeModelApi):
    resource_name = "statement_entry"
    class_permission_name = "StatementImport"
    method_permission_name = {**WuyeModelApi.method_permission_name, "assign": "write"}
    datamodel = SQLAInterface(StatementEntry)
    base_filters = [["id", StatementEntryScope, None]]
    include_route_methods = {"get", "get_list", "info", "export", "assign"}
    list_columns = [
        "id",
        "import_id",
        "row",
        "method",
        "reference",
        "kind",
        "paid_at",
        "amount",
        "payer_name",
        "payer_account",
        "remark",
        "status",
        "community_id",
        "unit_id",
        "payment_id",
    ]
    show_columns = list_columns
    search_columns = ["method", "reference", "kind", "status", "paid_at", "payer_account"]
    personal_fields = StatementEntry.PERSONAL_FIELDS
    base_order = ("id", "desc")

    def pre_get(self, data):
        super().pre_get(data)
        self._add_candidates([data["result"]], [data["id"]])

    def pre_get_list(self, data):
        super().pre_get_list(data)
        self._add_candidates(data["result"], data.get("ids", []))

    @staticmethod
    def _add_candidates(rows: list[dict], ids: list[int]) -> None:
        """Each row's ``candidates`` (unit_id, unit_code, community_id, community): no personal
        data, so nothing to mask."""
        entries = db.session.scalars(select(StatementEntry).where(StatementEntry.id.in_(ids)))
        found = candidate_units(db.session, entries)
        for row, pk in zip(rows, ids, strict=True):
            row["candidates"] = [c.as_dict() for c in found.get(pk, [])]

    @action("/<int:pk>/assign", body=AssignEntryBody, answers="the payment", status=201)
    def assign(self, pk: int):
        """Book an unmatched entry for a unit; the payer account is remembered unless
        ``remember_account`` is false (409 if it is already booked)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message={"_": [str(NOT_AN_OBJECT)]})
        try:
            with unit_of_work() as session:
                result = assign_entry(
                    session,
                    pk,
                    body.get("unit_id"),
                    actor=current_user().username,
                    remember_account=body.get("remember_account", True) is not False,
                )
                payment_id = result.payment.id
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(
            201,
            id=payment_id,
            receipt_number=result.receipt_number,
            allocations=[{"bill_id": b, "amount": str(amount)} for b, amount in result.allocations],
            credit=str(to_fen(result.credit)),
        )


APIS = (StatementApi, StatementImportApi, StatementEntryApi)
