"""Billing: ``POST /api/v1/billing/run`` starts a run (or a preview); ``bill`` and
``billing_run`` are read-only resources.

The run endpoint only parses, checks the community against the caller's scope and calls
``run_billing`` in one unit of work; the rules live in the service.
"""

from flask import request
from flask_appbuilder.api import BaseApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields

from app.domain.money import to_fen
from app.domain.periods import parse_month
from app.extensions import db, unit_of_work
from app.labels import PERIOD_FORMAT
from app.models import Bill, BillingRun
from app.security.scoping import current_user, visible_community_ids
from app.services.billing import run_billing
from app.services.bills import cancel_bill, reissue_bill
from app.services.errors import DomainError, Problems
from reports import pdf_response
from reports.context import notice_context

from .actions import action
from .base import WuyeModelApi, translated
from .bodies import ReasonBody

UNKNOWN_COMMUNITY = _l("Unknown community.")


class RunRequestSchema(Schema):
    period = fields.String(required=True, metadata={"description": "YYYY-MM", "example": "2026-03"})
    community_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    dry_run = fields.Boolean(load_default=False)


class RunResultSchema(Schema):
    period = fields.String(metadata={"example": "2026-03"})
    dry_run = fields.Boolean()
    run_id = fields.Integer(allow_none=True)
    created = fields.Integer(metadata={"description": "bill lines created"})
    bills = fields.Integer(metadata={"description": "new bills"})
    skipped = fields.Integer(metadata={"description": "lines that already existed"})
    failed = fields.List(fields.Dict(), metadata={"description": "{community, unit, reason}"})
    total = fields.String(metadata={"description": "sum of the new lines", "example": "820.00"})


def scoped_community_id(requested: int | None) -> int | None:
    """The community to bill for the current user: any for all-seeing roles; for staff one of
    their own, by default their only one. Raises ``DomainError`` naming ``community_id``."""
    ids = visible_community_ids()
    if ids is None:
        return requested
    if requested is None:
        if len(ids) == 1:
            return next(iter(ids))
        raise DomainError(community_id=_l("Choose one of your communities."))
    if requested not in ids:
        raise DomainError(community_id=UNKNOWN_COMMUNITY)  # out of scope looks like unknown
    return requested


def run_result(result) -> dict:
    return {
        "period": f"{result.period_start:%Y-%m}",
        "dry_run": result.dry_run,
        "run_id": result.run_id,
        "created": result.created,
        "bills": result.bills,
        "skipped": result.skipped,
        "failed": result.failed,
        "total": str(to_fen(result.total)),
    }


class BillingApi(BaseApi):
    """Billing operations (business actions, not CRUD)."""

    resource_name = "billing"
    class_permission_name = "BillingRun"
    method_permission_name = {"run": "write"}
    openapi_spec_tag = "Billing"
    allow_browser_login = True

    @action(
        "/run",
        body=RunRequestSchema,
        answers={201: "the run was written", 200: "a preview (dry_run); nothing was written"},
        returns=RunResultSchema,
    )
    def run(self):
        """Bill every billable unit for a month, or preview what that would do."""
        if not request.is_json:
            return self.response_400(message=gettext("The request body must be JSON."))
        try:
            args = RunRequestSchema().load(request.get_json(silent=True) or {})
        except ValidationError as err:
            return self.response_400(message=translated(err.messages))
        period = parse_month(args["period"])
        problems = Problems()
        problems.check(period is not None, "period", PERIOD_FORMAT)
        try:
            problems.raise_if_any()
            community_id = scoped_community_id(args["community_id"])
            with unit_of_work() as session:
                result = run_billing(
                    session,
                    period,
                    community_id,
                    dry_run=args["dry_run"],
                    actor=current_user().username,
                )
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(200 if result.dry_run else 201, **run_result(result))


class BillApi(WuyeModelApi):
    """Bills, read-only: they are written by billing runs and changed by payments and waivers."""

    resource_name = "bill"
    class_permission_name = "Bill"
    datamodel = SQLAInterface(Bill)
    include_route_methods = {"get", "get_list", "info", "export", "cancel", "reissue", "notice"}
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "cancel": "write",
        "reissue": "write",
        "notice": "read",
    }
    list_columns = [
        "id",
        "number",
        "community.id",
        "community.code",
        "unit.id",
        "unit.code",
        "owner.id",
        "owner.name",
        "period_start",
        "period_end",
        "due_date",
        "total",
        "paid",
        "waived",
        "late_fee",
        "balance",
        "status",
        "kind",
    ]
    show_columns = [
        *list_columns,
        "issued_at",
        "noticed_at",
        "cancelled_at",
        "cancel_reason",
        "run.id",
        *(
            f"lines.{c}"
            for c in (
                "id",
                "name",
                "fee_kind",
                "basis",
                "area",
                "price",
                "months",
                "period_start",
                "period_end",
                "amount",
                "cancelled",
            )
        ),
    ]
    search_columns = ["number", "community", "unit", "period_start", "due_date", "status", "kind"]
    base_order = ("id", "asc")

    @action("/<int:pk>/cancel", body=ReasonBody, answers="the cancelled bill")
    def cancel(self, pk: int):
        """Cancel a bill with a reason; what was paid on it becomes the unit's credit."""

        def cancel(session, body):
            bill = cancel_bill(session, pk, body.get("reason", ""), current_user().username)
            return {"id": bill.id, "number": bill.number, "status": bill.status}

        return self.run_action(cancel)

    @action("/<int:pk>/reissue", body=ReasonBody, answers="the new bill", status=201)
    def reissue(self, pk: int):
        """Cancel a bill and bill its unit again for the same period."""

        def reissue(session, body):
            bill = reissue_bill(session, pk, body.get("reason", ""), current_user().username)
            return {
                "id": bill.id,
                "number": bill.number,
                "replaces_id": bill.replaces_id,
                "total": str(bill.total),
                "balance": str(bill.balance),
            }

        return self.run_action(reissue, 201)

    @action(
        "/<int:pk>/notice", method="GET", answers="the payment notice", returns="application/pdf"
    )
    def notice(self, pk: int):
        """The bill's payment notice as a PDF, with late fees to today."""
        try:
            return pdf_response("notice.html", notice_context(db.session, pk))
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())


class BillingRunApi(WuyeModelApi):
    """Billing runs, read-only: ``POST /api/v1/billing/run`` starts one."""

    resource_name = "billing_run"
    class_permission_name = "BillingRun"
    datamodel = SQLAInterface(BillingRun)
    include_route_methods = {"get", "get_list", "info", "export"}
    list_columns = [
        "id",
        "period_start",
        "community.id",
        "community.code",
        "started_at",
        "finished_at",
        "started_by",
        "created",
        "bills",
        "skipped",
        "failed",
        "total",
    ]
    show_columns = [*list_columns, "failures"]
    search_columns = ["period_start", "community", "started_by"]
    base_order = ("id", "desc")


APIS = (BillingApi, BillApi, BillingRunApi)
