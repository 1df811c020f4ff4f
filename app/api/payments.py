"""Payments, receipts and account statements.

``POST /api/v1/payment/`` records a payment (allocation, credit, receipt) and
``POST /api/v1/payment/<id>/reverse`` reverses one; payments are never edited or deleted, so
there is no PUT or DELETE. ``GET /api/v1/account/<unit_id>/statement`` is a unit's account.
"""

from flask import request
from flask_appbuilder.api import BaseApi
from flask_appbuilder.models.sqla.interface import SQLAInterface

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

from .actions import action
from .base import WuyeModelApi
from .bodies import AsOfQuery, ReasonBody


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

    @action("/<int:pk>/reverse", body=ReasonBody, answers="the reversal entry", status=201)
    def reverse(self, pk: int):
        """Reverse a payment: a reversal entry, bills reopened, the receipt void."""

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

    @action("/<int:pk>/pdf", method="GET", answers="the receipt", returns="application/pdf")
    def pdf(self, pk: int):
        """The receipt as a PDF (void receipts are stamped so)."""
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

    @action(
        "/<int:unit_id>/statement",
        method="GET",
        query=AsOfQuery,
        answers="bills with balances, late fees, credit and total due",
    )
    def statement(self, unit_id: int):
        """A unit's account statement."""
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
