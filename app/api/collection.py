"""Collection campaigns and tasks (docs/domain.md §7).

``collection_campaign``: list and get; ``POST /`` creates one from filters (a manager), ``POST
/<id>/close`` ends it, ``GET /<id>/report?as_of=`` is the campaign report. ``collection_task``:
list and get (a collector: only its own tasks, with the owner's phone unmasked); ``POST
/<id>/contact`` records a contact attempt. Nothing else writes either resource.
"""

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import fields, validate

from app.domain.collection import Outcome
from app.extensions import db
from app.models import CollectionCampaign, CollectionTask
from app.models.collection import ContactChannel
from app.security.scoping import TASKS_SCOPED, current_user, sees_only_own_tasks
from app.services.collection import close_campaign, create_campaign
from app.services.collection_report import StaffResult, campaign_report
from app.services.collection_tasks import record_contact
from app.services.errors import DomainError

from .actions import action
from .base import WuyeModelApi
from .bodies import AsOfQuery, Body


class ContactBody(Body):
    channel = fields.String(validate=validate.OneOf([c.value for c in ContactChannel]))
    outcome = fields.String(validate=validate.OneOf([o.value for o in Outcome]))
    promised_date = fields.Date()
    promised_amount = fields.String()
    refusal_reason = fields.String()
    note = fields.String()


def campaign_fields(campaign: CollectionCampaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "status": campaign.status,
        "started_on": campaign.started_on.isoformat(),
        "first_contact_by": campaign.first_contact_by.isoformat(),
        "tasks": len(campaign.tasks),
    }


def result_fields(row: StaffResult) -> dict:
    return {
        "user_id": row.user_id,
        "staff": row.name,
        "units": row.units,
        "contacted": row.contacted,
        "promised": row.promised,
        "arrears_at_start": str(row.arrears),
        "collected": str(row.collected),
        "clearance_rate": None if row.rate is None else str(row.rate),
        "score": row.score,
    }


class CollectionCampaignApi(WuyeModelApi):
    resource_name = "collection_campaign"
    class_permission_name = "CollectionCampaign"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "close": "write",
        "report": "read",
    }
    datamodel = SQLAInterface(CollectionCampaign)
    include_route_methods = {"get", "get_list", "info", "export", "post", "close", "report"}
    list_columns = [
        "id",
        "community.code",
        "name",
        "min_days_overdue",
        "min_amount",
        "started_on",
        "first_contact_by",
        "status",
        "created_by",
        "created_at",
        "closed_at",
    ]
    show_columns = list_columns
    search_columns = ["community", "name", "status", "started_on"]
    base_order = ("id", "desc")

    def post_headless(self):
        def create(session, body):
            campaign = create_campaign(
                session,
                body.get("community"),
                body.get("name"),
                body.get("staff"),
                body.get("min_days_overdue", 1),
                body.get("min_amount"),
                body.get("first_contact_days"),
                actor=current_user().username,
            )
            return campaign_fields(campaign)

        return self.run_action(create, 201)

    @action("/<int:pk>/close", answers="the closed campaign")
    def close(self, pk: int):
        """End a campaign: no more contacts; its units may join a new one."""
        return self.run_action(lambda session, body: campaign_fields(close_campaign(session, pk)))

    @action(
        "/<int:pk>/report",
        method="GET",
        query=AsOfQuery,
        answers="the campaign, one row per staff member and the total",
    )
    def report(self, pk: int):
        """Per staff member: units, contacted, promised, collected, clearance rate and score."""
        try:
            report = campaign_report(db.session, pk, request.args.get("as_of"))
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(
            200,
            campaign=campaign_fields(report.campaign),
            as_of=report.as_of.isoformat(),
            staff=[result_fields(row) for row in report.rows],
            total=result_fields(report.total),
        )


class CollectionTaskApi(WuyeModelApi):
    resource_name = "collection_task"
    class_permission_name = "CollectionTask"
    method_permission_name = {**WuyeModelApi.method_permission_name, "contact": "write"}
    datamodel = SQLAInterface(CollectionTask)
    base_filters = TASKS_SCOPED
    include_route_methods = {"get", "get_list", "info", "export", "contact"}
    list_columns = [
        "id",
        "campaign.id",
        "campaign.name",
        "unit.id",
        "unit.code",
        "owner.name",
        "phone",
        "assignee.username",
        "arrears_at_start",
        "days_overdue_at_start",
        "status",
        "next_action",
        "next_due",
        "last_outcome",
        "complaint_needed",
    ]
    show_columns = list_columns
    search_columns = ["campaign", "status", "next_due", "next_action", "complaint_needed"]
    personal_fields = ("phone",)
    base_order = ("next_due", "asc")

    def may_reveal(self) -> bool:
        # a collector sees only its own tasks, and the phones of their owners (README, "Roles")
        return super().may_reveal() or sees_only_own_tasks()

    @action(
        "/<int:pk>/contact",
        body=ContactBody,
        answers="the attempt and the task's next action",
        status=201,
    )
    def contact(self, pk: int):
        """Record a contact attempt; its outcome sets the task's next action."""

        def contact(session, body):
            attempt = record_contact(
                session,
                pk,
                body.get("channel"),
                body.get("outcome"),
                body.get("promised_date"),
                body.get("promised_amount"),
                body.get("refusal_reason") or "",
                body.get("note") or "",
                actor=current_user().username,
            )
            task = attempt.task
            return {
                "id": attempt.id,
                "task_id": task.id,
                "outcome": attempt.outcome,
                "status": task.status,
                "next_action": task.next_action,
                "next_due": task.next_due.isoformat(),
                "complaint_needed": task.complaint_needed,
            }

        return self.run_action(contact, 201)


APIS = (CollectionCampaignApi, CollectionTaskApi)
