"""Dunning: ``POST /api/v1/dunning/scan`` (``{"as_of"}`` → ``{"actions_created", …}``), the
levels (``dunning_level``: an administrator edits them, a utility cut-off is refused citing
Civil Code art. 944; only the key follow-up may have the ``visit`` channel) and the actions
(``dunning_action``: read, a visit with its task and the contact attempt that recorded its
outcome; a manager approves or rejects a legal proposal with
``POST /api/v1/dunning_action/<id>/approve`` or ``/reject``)."""

from flask import request
from flask_appbuilder.api import BaseApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.extensions import db, unit_of_work
from app.models import DunningAction, DunningLevel
from app.security.scoping import current_user
from app.services.dunning import scan_day, scan_dunning
from app.services.dunning_legal import approve_legal, reject_legal
from app.services.dunning_levels import validate_level
from app.services.errors import DomainError
from jobs.dunning import dispatch, enqueue_evidence

from .actions import action
from .base import WuyeModelApi


class DunningApi(BaseApi):
    resource_name = "dunning"
    class_permission_name = "DunningAction"
    method_permission_name = {"scan": "write"}
    openapi_spec_tag = "Dunning"
    allow_browser_login = True

    @action("/scan", answers="actions_created and the counts of what was held back")
    def scan(self):
        """Run the dunning scan for a day (default today); a second run adds nothing."""
        body = request.get_json(silent=True) if request.data else {}
        try:
            if not isinstance(body, dict):
                raise DomainError(_=_l("The request body must be a JSON object."))
            as_of = scan_day(body.get("as_of"), business_date())
            with unit_of_work() as session:
                result = scan_dunning(session, as_of, current_user().username)
                dispatch(result)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(
            200,
            as_of=result.as_of.isoformat(),
            actions_created=result.actions_created,
            cases_opened=result.cases_opened,
            cases_closed=result.cases_closed,
            paused=result.paused,
            deferred=result.deferred,
            awaiting_demand=result.awaiting_demand,
            visits=result.visits,
            visits_waiting=result.visits_waiting,
        )


class DunningLevelApi(WuyeModelApi):
    resource_name = "dunning_level"
    class_permission_name = "DunningLevel"
    datamodel = SQLAInterface(DunningLevel)
    base_filters = []
    include_route_methods = {"get", "get_list", "info", "export", "post", "put"}
    list_columns = ["id", "level", "name", "days", "min_amount", "channel", "template", "active"]
    show_columns = list_columns
    add_columns = edit_columns = list_columns[1:]
    base_order = ("level", "asc")

    def validate(self, item) -> None:
        validate_level(db.session, item)


def action_fields(action: DunningAction) -> dict:
    return {
        "id": action.id,
        "level": action.level,
        "kind": action.kind,
        "status": action.status,
        "decided_by": action.decided_by,
    }


class DunningActionApi(WuyeModelApi):
    resource_name = "dunning_action"
    class_permission_name = "DunningAction"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "approve": "approve",
        "reject": "approve",
    }
    datamodel = SQLAInterface(DunningAction)
    include_route_methods = {"get", "get_list", "info", "export", "approve", "reject"}
    list_columns = [
        "id",
        "community.code",
        "case.id",
        "unit.id",
        "unit.code",
        "owner.name",
        "level",
        "kind",
        "channel",
        "scheduled_on",
        "amount",
        "days_overdue",
        "deadline",
        "document",
        "outbox_message.id",
        "outbox_message.status",
        "created_by",
        "created_at",
        "outcome",
        "task.id",
        "task.assignee_id",
        "attempt.id",
        "attempt.at",
        "attempt.channel",
        "attempt.recorded_by",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    show_columns = list_columns
    search_columns = ["community", "unit", "level", "kind", "status", "scheduled_on"]
    base_order = ("id", "desc")

    def _decide(self, decide, pk: int, then=None):
        def operation(session, body):
            action = decide(session, pk, current_user().username, body.get("note") or "")
            if then is not None:
                then(pk)  # queued in the same unit of work: committed with the decision
            return action_fields(action)

        return self.run_action(operation)

    @action("/<int:pk>/approve", answers="the approved proposal")
    def approve(self, pk: int):
        """Approve a proposed legal action; the evidence pack PDF is rendered in the background."""
        return self._decide(approve_legal, pk, enqueue_evidence)

    @action("/<int:pk>/reject", answers="the rejected proposal")
    def reject(self, pk: int):
        """Reject a proposed legal action, saying why (``{"note"}``)."""
        return self._decide(reject_legal, pk)


APIS = (DunningApi, DunningLevelApi, DunningActionApi)
