"""Complaints (docs/domain.md §9): ``/api/v1/complaint/``.

List, get and export (with ``q`` filters, e.g. on ``status``, ``category`` or the overdue
flags ``response_overdue`` / ``resolution_overdue``, which are computed when read at the
request's instant, never stored: ``(col:resolution_overdue,opr:eq,value:!t)``); ``POST /`` logs
a complaint (``unit``, ``owner``?, ``channel``, ``category``, ``description``, ``received_at``?,
``assignee``?, ``nonpayment_reason``?). Each follow-up is an operation on ``/<id>/``:
``assign``, ``acknowledge``, ``start``, ``resolve``, ``reopen``, ``return_visit``, ``note``,
``nonpayment_reason``; ``GET /<id>/log`` is the follow-up log. Nothing else writes the resource.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from app.extensions import db
from app.models import Complaint
from app.security.scoping import current_user
from app.services.complaint_flags import FLAGS, ComplaintInterface, FlagFilter
from app.services.complaint_followups import (
    add_note,
    assign,
    mark_nonpayment_reason,
    return_visit,
    take_step,
)
from app.services.complaints import get_complaint, log_complaint
from app.services.errors import DomainError

from .actions import action
from .base import WuyeModelApi
from .bodies import Body, NoteBody


class AssignBody(Body):
    assignee = fields.Integer()
    note = fields.String()


class ReturnVisitBody(Body):
    score = fields.Integer(validate=validate.Range(1, 5))
    note = fields.String()


class NonpaymentReasonBody(Body):
    marked = fields.Boolean()
    note = fields.String()


def _iso(value):
    return value.isoformat() if value is not None else None


def complaint_fields(complaint: Complaint) -> dict:
    return {
        "id": complaint.id,
        "unit": complaint.unit_id,
        "owner": complaint.owner_id,
        "channel": complaint.channel,
        "category": complaint.category,
        "received_at": _iso(complaint.received_at),
        "status": complaint.status,
        "assignee": complaint.assignee_id,
        "respond_by": _iso(complaint.respond_by),
        "resolve_by": _iso(complaint.resolve_by),
        "response_overdue": complaint.response_overdue,
        "resolution_overdue": complaint.resolution_overdue,
        "satisfaction": complaint.satisfaction,
        "nonpayment_reason": complaint.nonpayment_reason,
    }


def _actor() -> str:
    return current_user().username


class ComplaintApi(WuyeModelApi):
    resource_name = "complaint"
    class_permission_name = "Complaint"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "assign": "assign",
        "step": "write",
        "visit": "write",
        "note": "write",
        "reason": "write",
        "log": "read",
    }
    datamodel = ComplaintInterface(Complaint)
    include_route_methods = {
        "get",
        "get_list",
        "info",
        "export",
        "post",
        "assign",
        "step",
        "visit",
        "note",
        "reason",
        "log",
    }
    list_columns = [
        "id",
        "community.code",
        "unit.id",
        "unit.code",
        "owner.id",
        "owner.name",
        "channel",
        "category",
        "description",
        "received_at",
        "received_on",
        "status",
        "assignee.username",
        "respond_by",
        "resolve_by",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "response_overdue",
        "resolution_overdue",
        "satisfaction",
        "nonpayment_reason",
        "logged_by",
    ]
    show_columns = list_columns
    search_columns = [
        "community",
        "unit",
        "channel",
        "category",
        "status",
        "received_on",
        "assignee",
        "response_overdue",
        "resolution_overdue",
        "nonpayment_reason",
    ]
    base_order = ("id", "desc")

    def _handle_filters_args(self, rison_args):
        """``eq`` on a flag computed when read is its ``FlagFilter``."""
        for flt in rison_args.get("filters", []):
            if isinstance(flt, dict) and flt.get("col") in FLAGS and flt.get("opr") == "eq":
                flt["opr"] = FlagFilter.arg_name
        return super()._handle_filters_args(rison_args)

    def post_headless(self):
        def log(session, body):
            complaint = log_complaint(
                session,
                body.get("unit"),
                body.get("channel"),
                body.get("category"),
                body.get("description"),
                owner_id=body.get("owner"),
                received_at=body.get("received_at"),
                assignee_id=body.get("assignee"),
                nonpayment_reason=body.get("nonpayment_reason") is True,
                actor=_actor(),
            )
            return complaint_fields(complaint)

        return self.run_action(log, 201)

    @action("/<int:pk>/assign", body=AssignBody, answers="the complaint")
    def assign(self, pk: int):
        """Give the complaint to a customer-service staff member of its community."""
        return self.run_action(
            lambda session, body: complaint_fields(
                assign(session, pk, body.get("assignee"), body.get("note"), _actor())
            )
        )

    @action(
        "/<int:pk>/<any(acknowledge, start, resolve, reopen):step>",
        body=NoteBody,
        answers="the complaint",
    )
    def step(self, pk: int, step: str):
        """Move the complaint on: acknowledge (the first response), start, resolve (a note
        saying what was done), reopen (a note saying why)."""
        return self.run_action(
            lambda session, body: complaint_fields(
                take_step(session, pk, step, body.get("note"), _actor())
            )
        )

    @action("/<int:pk>/return_visit", body=ReturnVisitBody, answers="the closed complaint")
    def visit(self, pk: int):
        """The return visit of a resolved complaint: the owner's score (1–5) closes it."""
        return self.run_action(
            lambda session, body: complaint_fields(
                return_visit(session, pk, body.get("score"), body.get("note"), _actor())
            )
        )

    @action("/<int:pk>/note", body=NoteBody, answers="the complaint")
    def note(self, pk: int):
        """A follow-up note, without a change of status."""
        return self.run_action(
            lambda session, body: complaint_fields(
                add_note(session, pk, body.get("note"), _actor())
            )
        )

    @action("/<int:pk>/nonpayment_reason", body=NonpaymentReasonBody, answers="the complaint")
    def reason(self, pk: int):
        """Mark the complaint as the owner's reason for not paying (``marked``: true) or clear
        the mark (false); dunning of the unit pauses beyond level 1 while it is marked and open."""

        def mark(session, body):
            marked = body.get("marked")
            if not isinstance(marked, bool):
                raise DomainError(marked=_l("Give true or false."))
            complaint = mark_nonpayment_reason(session, pk, marked, body.get("note"), _actor())
            return complaint_fields(complaint)

        return self.run_action(mark)

    @action("/<int:pk>/log", method="GET", answers="the entries, oldest first")
    def log(self, pk: int):
        """The follow-up log: every step, who and when, from and to which status, the note."""
        try:
            complaint = get_complaint(db.session, pk)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        entries = [
            {
                "at": entry.at.isoformat(),
                "by": entry.by,
                "action": entry.action,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "note": entry.note,
                "score": entry.score,
                "assignee": entry.assignee_id,
            }
            for entry in complaint.entries
        ]
        return self.response(200, id=complaint.id, entries=entries)


APIS = (ComplaintApi,)
