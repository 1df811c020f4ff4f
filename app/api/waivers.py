"""Waivers: customer service requests (``POST /api/v1/waiver/``), a manager approves or rejects
(``POST /api/v1/waiver/<id>/approve`` or ``/reject``). Nothing else changes a waiver."""

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Waiver
from app.security.scoping import current_user
from app.services.waivers import approve_waiver, reject_waiver, request_waiver

from .actions import action
from .base import WuyeModelApi


def waiver_fields(waiver: Waiver) -> dict:
    return {
        "id": waiver.id,
        "bill_id": waiver.bill_id,
        "part": waiver.part,
        "amount": str(waiver.amount),
        "status": waiver.status,
    }


class WaiverApi(WuyeModelApi):
    resource_name = "waiver"
    class_permission_name = "Waiver"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "approve": "approve",
        "reject": "approve",
    }
    datamodel = SQLAInterface(Waiver)
    include_route_methods = {"get", "get_list", "info", "export", "post", "approve", "reject"}
    list_columns = [
        "id",
        "community.code",
        "bill.id",
        "bill.number",
        "part",
        "amount",
        "reason",
        "explanation",
        "evidence",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    show_columns = list_columns
    search_columns = ["community", "status", "reason", "requested_by", "requested_at"]
    base_order = ("id", "desc")

    def post_headless(self):
        def request(session, body):
            waiver = request_waiver(
                session,
                body.get("bill_id"),
                body.get("part"),
                body.get("amount"),
                body.get("reason"),
                body.get("explanation") or "",
                body.get("evidence") or "",
                actor=current_user().username,
            )
            return waiver_fields(waiver)

        return self.run_action(request, 201)

    @action("/<int:pk>/approve", answers="the approved waiver")
    def approve(self, pk: int):
        """Approve a requested waiver: it takes effect on its bill."""
        return self.run_action(
            lambda session, body: waiver_fields(
                approve_waiver(session, pk, current_user().username, body.get("note") or "")
            )
        )

    @action("/<int:pk>/reject", answers="the rejected waiver")
    def reject(self, pk: int):
        """Reject a requested waiver, saying why."""
        return self.run_action(
            lambda session, body: waiver_fields(
                reject_waiver(session, pk, current_user().username, body.get("note") or "")
            )
        )


APIS = (WaiverApi,)
