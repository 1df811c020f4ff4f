"""Supervision (docs/domain.md §11).

``supervision_check``: list, get, export; ``POST /`` records a check with its findings (a
manager), ``PUT /<id>`` changes it, ``POST /<id>/finding`` adds a finding. ``rectification``:
list, get, export (finance and collectors: those they are responsible for); ``POST
/<id>/rectified`` reports the work done, ``/accept`` and ``/reject`` are a manager's decision;
``GET /ledger?as_of=&community_id=&status=&severity=`` is the ledger (整改台账) as of a day.
"""

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields, validate

from app.extensions import db
from app.models import Finding, Rectification, SupervisionCheck
from app.models.supervision import Severity
from app.security.roles import RECTIFICATIONS
from app.security.scoping import RECTIFICATIONS_SCOPED, current_user, visible_community_ids
from app.services.errors import DomainError
from app.services.supervision import (
    accept_rectification,
    add_finding,
    mark_rectified,
    record_check,
    reject_rectification,
    validate_check,
)
from app.services.supervision_ledger import LedgerLine, ledger_counts, ledger_of, parse_ledger_query

from .actions import action
from .base import WuyeModelApi
from .bodies import Body, NoteBody


class FindingBody(Body):
    severity = fields.String(validate=validate.OneOf([s.value for s in Severity]))
    description = fields.String()
    responsible = fields.Integer(metadata={"description": "the staff member's user id"})
    deadline = fields.Date()


class LedgerQuery(Schema):
    as_of = fields.Date()
    community_id = fields.Integer()
    status = fields.String()
    severity = fields.String()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def rectification_fields(item: Rectification) -> dict:
    return {
        "id": item.id,
        "finding_id": item.finding_id,
        "responsible": item.responsible_id,
        "deadline": item.deadline.isoformat(),
        "status": item.status,
        "rectified_at": _iso(item.rectified_at),
        "accepted_at": _iso(item.accepted_at),
        "rejections": item.rejections,
    }


def finding_fields(finding: Finding) -> dict:
    return {
        "id": finding.id,
        "severity": finding.severity,
        "description": finding.description,
        "rectification": rectification_fields(finding.rectification),
    }


def check_fields(check: SupervisionCheck) -> dict:
    return {
        "id": check.id,
        "community": check.community_id,
        "kind": check.kind,
        "checked_on": check.checked_on.isoformat(),
        "inspector": check.inspector,
        "summary": check.summary,
        "plan": check.plan_id,
        "findings": [finding_fields(f) for f in check.findings],
    }


def ledger_fields(line: LedgerLine) -> dict:
    return {
        "rectification_id": line.rectification_id,
        "community_id": line.community_id,
        "check_id": line.check_id,
        "checked_on": line.checked_on.isoformat(),
        "check_kind": line.check_kind,
        "severity": line.severity,
        "description": line.description,
        "responsible_id": line.responsible_id,
        "responsible": line.responsible,
        "deadline": line.deadline.isoformat(),
        "status": line.status,
        "days_overdue": line.days_overdue,
        "rectified_on": _iso(line.rectified_on),
        "accepted_on": _iso(line.accepted_on),
    }


class SupervisionCheckApi(WuyeModelApi):
    resource_name = "supervision_check"
    class_permission_name = "SupervisionCheck"
    method_permission_name = {**WuyeModelApi.method_permission_name, "finding": "write"}
    datamodel = SQLAInterface(SupervisionCheck)
    include_route_methods = {"get", "get_list", "info", "export", "post", "put", "finding"}
    list_columns = [
        "id",
        "community.id",
        "community.code",
        "plan.id",
        "kind",
        "checked_on",
        "inspector",
        "summary",
        "recorded_by",
        "recorded_at",
    ]
    show_columns = list_columns
    edit_columns = ["kind", "checked_on", "inspector", "summary", "plan"]
    search_columns = ["community", "kind", "checked_on", "inspector", "plan"]
    base_order = ("checked_on", "desc")

    def validate(self, item) -> None:
        validate_check(db.session, item, current_user().username)

    def post_headless(self):
        def record(session, body):
            check = record_check(
                session,
                body.get("community"),
                body.get("kind"),
                body.get("checked_on"),
                body.get("inspector"),
                body.get("summary") or "",
                body.get("plan"),
                body.get("findings") or [],
                actor=current_user().username,
            )
            return check_fields(check)

        return self.run_action(record, 201)

    @action(
        "/<int:pk>/finding",
        body=FindingBody,
        answers="the finding and its rectification",
        status=201,
    )
    def finding(self, pk: int):
        """Add a finding to a check, with its rectification."""

        def add(session, body):
            finding = add_finding(
                session,
                pk,
                body.get("severity"),
                body.get("description"),
                body.get("responsible"),
                body.get("deadline"),
                actor=current_user().username,
            )
            return finding_fields(finding)

        return self.run_action(add, 201)


class RectificationApi(WuyeModelApi):
    resource_name = "rectification"
    class_permission_name = RECTIFICATIONS
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "rectified": "write",
        "accept": "approve",
        "reject": "approve",
        "ledger": "read",
    }
    datamodel = SQLAInterface(Rectification)
    base_filters = RECTIFICATIONS_SCOPED
    include_route_methods = {
        "get",
        "get_list",
        "info",
        "export",
        "rectified",
        "accept",
        "reject",
        "ledger",
    }
    list_columns = [
        "id",
        "community.code",
        "finding.id",
        "severity",
        "description",
        "checked_on",
        "responsible.id",
        "responsible.username",
        "deadline",
        "status",
        "rectified_at",
        "rectified_by",
        "rectification_note",
        "accepted_at",
        "accepted_by",
        "rejections",
        "decision_note",
    ]
    show_columns = list_columns
    search_columns = ["community", "status", "deadline", "responsible"]
    base_order = ("deadline", "asc")

    def _decide(self, operation):
        return self.run_action(
            lambda session, body: rectification_fields(
                operation(session, body.get("note") or "", current_user().username)
            )
        )

    @action("/<int:pk>/rectified", body=NoteBody, answers="the rectification")
    def rectified(self, pk: int):
        """Report the rectification done, saying what was done (``note``)."""
        return self._decide(lambda session, note, actor: mark_rectified(session, pk, note, actor))

    @action("/<int:pk>/accept", body=NoteBody, answers="the rectification")
    def accept(self, pk: int):
        """Accept a rectification reported done (a manager; not the one responsible)."""
        return self._decide(
            lambda session, note, actor: accept_rectification(session, pk, actor, note)
        )

    @action("/<int:pk>/reject", body=NoteBody, answers="the rectification")
    def reject(self, pk: int):
        """Send a rectification back to open, saying why (``note``)."""
        return self._decide(
            lambda session, note, actor: reject_rectification(session, pk, actor, note)
        )

    @action(
        "/ledger",
        method="GET",
        query=LedgerQuery,
        answers="as_of, the counts per status and the lines",
    )
    def ledger(self):
        """The rectification ledger as of a day, each with its status that day."""
        try:
            query = parse_ledger_query(request.args, visible_community_ids())
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        lines = ledger_of(db.session, query)
        return self.response(
            200,
            as_of=query.as_of.isoformat(),
            counts=ledger_counts(lines),
            lines=[ledger_fields(line) for line in lines],
        )


APIS = (SupervisionCheckApi, RectificationApi)
