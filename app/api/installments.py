"""Installment agreements (``installment``): customer service drafts one
(``POST /api/v1/installment/``) and attaches the signed scan (``POST …/<id>/scan``, multipart
``file``) or cancels it (``…/cancel``); a manager approves or rejects it (``…/approve``,
``…/reject``); ``GET …/<id>/pdf`` is the agreement to print and sign. A ``get`` carries the
covered bills and the schedule with what has been paid of each instalment.
"""

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import fields

from app.extensions import db, unit_of_work
from app.models import InstallmentAgreement
from app.security.scoping import current_user
from app.services.errors import DomainError
from app.services.installment_figures import installment_progress
from app.services.installments import (
    approve_installment,
    attach_scan,
    cancel_installment,
    draft_installment,
    reject_installment,
)
from reports import pdf_response
from reports.context import installment_agreement_context

from .actions import action
from .base import WuyeModelApi
from .bodies import Body

MAX_UPLOAD = 10 * 1024 * 1024 + 1  # the service refuses anything larger


class ScanForm(Body):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})


def agreement_fields(session, agreement: InstallmentAgreement) -> dict:
    """The agreement as a client reads it back: terms, covered bills, schedule with progress."""
    progress = installment_progress(session, agreement)
    return {
        "id": agreement.id,
        "number": agreement.number,
        "unit_id": agreement.unit_id,
        "kind": agreement.kind,
        "status": agreement.status,
        "agreed_on": agreement.agreed_on.isoformat(),
        "covered_total": str(agreement.covered_total),
        "down_payment": str(agreement.down_payment),
        "grace_days": agreement.grace_days,
        "signed_scan": bool(agreement.signed_scan),
        "paid": str(progress.paid),
        "standing": progress.standing.value,
        "bills": [{"bill_id": b.bill_id, "amount": str(b.amount)} for b in agreement.bills],
        "schedule": [
            {
                "seq": item.seq,
                "due_date": item.due_date.isoformat(),
                "amount": str(item.amount),
                "paid": str(item.paid),
            }
            for item in progress.instalments
        ],
    }


class InstallmentApi(WuyeModelApi):
    resource_name = "installment"
    class_permission_name = "InstallmentAgreement"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "approve": "approve",
        "reject": "approve",
        "cancel": "write",
        "scan": "write",
        "pdf": "read",
    }
    datamodel = SQLAInterface(InstallmentAgreement)
    include_route_methods = {
        "get",
        "get_list",
        "info",
        "export",
        "post",
        "approve",
        "reject",
        "cancel",
        "scan",
        "pdf",
    }
    list_columns = [
        "id",
        "number",
        "community.code",
        "unit.id",
        "unit.code",
        "owner.name",
        "kind",
        "status",
        "agreed_on",
        "all_arrears",
        "covered_total",
        "grace_days",
        "drafted_by",
        "drafted_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "ended_on",
    ]
    show_columns = list_columns
    search_columns = ["community", "unit", "kind", "status", "agreed_on", "drafted_by"]
    base_order = ("id", "desc")

    def pre_get(self, data):
        super().pre_get(data)
        agreement = db.session.get(InstallmentAgreement, data["id"])
        extra = agreement_fields(db.session, agreement)
        data["result"].update({k: extra[k] for k in ("paid", "standing", "bills", "schedule")})

    def post_headless(self):
        def draft(session, body):
            agreement = draft_installment(
                session,
                body.get("unit_id"),
                body.get("bill_ids"),
                kind=body.get("kind") or "installment",
                agreed_on=body.get("agreed_on"),
                down_payment=body.get("down_payment"),
                count=body.get("instalments"),
                first_due=body.get("first_due"),
                schedule=body.get("schedule"),
                actor=current_user().username,
            )
            return agreement_fields(session, agreement)

        return self.run_action(draft, 201)

    def _decide(self, decide, pk: int):
        return self.run_action(
            lambda session, body: agreement_fields(
                session, decide(session, pk, current_user().username, body.get("note") or "")
            )
        )

    @action("/<int:pk>/approve", answers="the active agreement")
    def approve(self, pk: int):
        """Approve a draft whose signed scan is attached: it becomes active and the unit's
        dunning pauses while it is on track."""
        return self._decide(approve_installment, pk)

    @action("/<int:pk>/reject", answers="the rejected agreement")
    def reject(self, pk: int):
        """Reject a draft, saying why (``{"note"}``)."""
        return self._decide(reject_installment, pk)

    @action("/<int:pk>/cancel", answers="the cancelled agreement")
    def cancel(self, pk: int):
        """Withdraw a draft, saying why (``{"note"}``)."""
        return self._decide(cancel_installment, pk)

    @action("/<int:pk>/scan", form=ScanForm, answers="the draft with its scan")
    def scan(self, pk: int):
        """Attach the signed agreement to a draft (multipart field ``file``: PDF, JPEG or PNG)."""
        upload = request.files.get("file")
        data = upload.read(MAX_UPLOAD) if upload is not None else b""
        try:
            with unit_of_work() as session:
                body = agreement_fields(session, attach_scan(session, pk, data))
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(200, **body)

    @action("/<int:pk>/pdf", method="GET", answers="the agreement", returns="application/pdf")
    def pdf(self, pk: int):
        """The agreement as a PDF, to print and sign."""
        try:
            context = installment_agreement_context(db.session, pk)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return pdf_response("installment_agreement.html", context)


APIS = (InstallmentApi,)
