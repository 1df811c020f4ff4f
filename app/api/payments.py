"""Payments, receipts and account statements.

``POST /api/v1/payment/`` records a payment (allocation, credit, receipt) and
``POST /api/v1/payment/<id>/reverse`` reverses one; payments are never edited or deleted, so
there is no PUT or DELETE. ``GET /api/v1/account/<unit_id>/statement`` is a unit's account.
"""

from flask import request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect

from app.clock import business_date
from app.domain.money import to_fen
from app.extensions import db, unit_of_work
from app.models import Payment, Receipt
from app.security.scoping import current_user
from app.services.accounts import account_statement
from app.services.errors import DomainError, Problems
from app.services.payments import record_payment, reverse_payment
from reports import pdf_response
from reports.context import receipt_context

from .base import WuyeModelApi


class PaymentApi(WuyeModelApi):
    resource_name = "payment"
    class_permission_name = "Payment"
    method_permission_name = {**WuyeModelApi.method_permission_name, "reverse": "write"}
    datamodel = SQLAInterface(Payment)
    include_route_methods = {"get", "get_list", "info", "export", "post", "reverse"}
    list_columns = [
        "id",
        "community.code",
        "unit.id",
        "unit.code",
        "owner.name",
        "kind",
        "method",
        "reference",
        "amount",
        "paid_at",
        "recorded_at",
        "recorded_by",
        "reverses_id",
        "reason",
        "receipt.number",
        "receipt.void",
    ]
    show_columns = [
        *list_columns,
        "allocations.bill_id",
        "allocations.principal",
        "allocations.late_fee",
    ]
    search_columns = ["community", "unit", "kind", "method", "reference", "paid_at", "recorded_by"]
    base_order = ("id", "desc")

    def post_headless(self):
        def record(session, body):
            result = record_payment(
                session,
                body.get("unit_id"),
                body.get("amount"),
                body.get("method"),
                body.get("reference"),
                body.get("paid_at"),
                actor=current_user().username,
            )
            return {
                "id": result.payment.id,
                "receipt_number": result.receipt_number,
                "allocations": [
                    {"bill_id": bill_id, "amount": str(amount)}
                    for bill_id, amount in result.allocations
                ],
                "credit": str(to_fen(result.credit)),
            }

        return self.run_action(record, 201)

    @expose("/<int:pk>/reverse", methods=["POST"])
    @protect()
    @safe
    @permission_name("reverse")
    def reverse(self, pk: int):
        """Reverse a payment: a reversal entry, bills reopened, the receipt void.
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason:
                      type: string
          responses:
            201:
              description: the reversal entry
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
        """

        def reverse(session, body):
            reversal = reverse_payment(
                session, pk, body.get("reason", ""), actor=current_user().username
            )
            return {
                "id": reversal.id,
                "reverses_id": reversal.reverses_id,
                "amount": str(reversal.amount),
                "reason": reversal.reason,
            }

        return self.run_action(reverse, 201)


class ReceiptApi(WuyeModelApi):
    resource_name = "receipt"
    class_permission_name = "Receipt"
    method_permission_name = {**WuyeModelApi.method_permission_name, "pdf": "read"}
    datamodel = SQLAInterface(Receipt)
    include_route_methods = {"get", "get_list", "info", "export", "pdf"}
    list_columns = [
        "id",
        "number",
        "community.code",
        "payment.id",
        "payment.amount",
        "payment.method",
        "issued_at",
        "void",
        "void_reason",
    ]
    show_columns = list_columns
    search_columns = ["number", "community", "issued_at", "void"]
    base_order = ("id", "desc")

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("pdf")
    def pdf(self, pk: int):
        """The receipt as a PDF (void receipts are stamped so).
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200:
              description: the receipt
              content: {application/pdf: {schema: {type: string, format: binary}}}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            return pdf_response("receipt.html", receipt_context(db.session, pk))
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())


class AccountApi(BaseApi):
    """A unit's account as of a date (bills, late fees to date, credit, total due)."""

    resource_name = "account"
    class_permission_name = "Bill"
    method_permission_name = {"statement": "read"}
    openapi_spec_tag = "Account"
    allow_browser_login = True

    @expose("/<int:unit_id>/statement", methods=["GET"])
    @protect()
    @safe
    def statement(self, unit_id: int):
        """A unit's account statement.
        ---
        get:
          parameters:
          - in: path
            name: unit_id
            schema:
              type: integer
          - in: query
            name: as_of
            schema:
              type: string
              format: date
          responses:
            200:
              description: bills with balances, late fees, credit and total due
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
        """
        problems = Problems()
        as_of = problems.day("as_of", request.args.get("as_of")) or business_date()
        try:
            problems.raise_if_any()
            with unit_of_work() as session:
                statement = account_statement(session, unit_id, as_of)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        money = ("total", "paid", "waived", "principal_due", "late_fee", "balance")
        return self.response(
            200,
            unit_id=statement.unit_id,
            unit=statement.unit_code,
            as_of=statement.as_of.isoformat(),
            bills=[
                {
                    **{k: str(v) if k in money else v for k, v in vars(line).items()},
                    "period_start": line.period_start.isoformat(),
                    "period_end": line.period_end.isoformat(),
                    "due_date": line.due_date.isoformat(),
                }
                for line in statement.lines
            ],
            credit=str(statement.credit),
            total_due=str(statement.total_due),
        )


APIS = (PaymentApi, ReceiptApi, AccountApi)
