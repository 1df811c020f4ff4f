"""Waiver screens: customer service requests one from a bill's page; a manager approves or
rejects it from the waiver list. The forms call the waiver service in one unit of work."""

from flask import redirect, url_for
from flask_appbuilder import action
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.models import Waiver
from app.models.types import WaiverReason
from app.services.waivers import approve_waiver, awaits_decision, reject_waiver, request_waiver

from .base import WuyeModelView
from .columns import enum_select, local_time
from .forms import DecisionForm
from .row_actions import RowActionView

PARTS = {"principal": _l("Principal"), "late_fee": _l("Late fee")}


class WaiverRequestForm(DynamicForm):
    part = SelectField(
        _l("Waive"),
        choices=lambda: [SelectChoice(value, label) for value, label in PARTS.items()],
        validators=[InputRequired()],
    )
    amount = StringField(_l("Amount (¥)"), validators=[InputRequired()])
    reason = enum_select(_l("Reason"), WaiverReason)
    explanation = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=2000)])
    evidence = StringField(
        _l("Evidence"),
        validators=[Optional(), Length(max=300)],
        description=_l("Where the supporting documents are kept."),
    )


class RequestWaiverView(RowActionView):
    """Request a waiver of one bill (pk: the bill)."""

    class_permission_name = "Waiver"
    method_permission_name = {"confirm": "write"}
    form_class = WaiverRequestForm
    title = _l("Request a waiver")
    intro = _l("The request takes effect only when a manager approves it.")
    submit = _l("Send the request")
    back_endpoint = "BillView.show"

    def operation(self, session, pk, form, actor):
        waiver = request_waiver(
            session,
            pk,
            form.part.data,
            form.amount.data,
            form.reason.data,
            form.explanation.data or "",
            form.evidence.data or "",
            actor,
        )
        return gettext("Waiver requested."), url_for("WaiverView.show", pk=waiver.id)


class ApproveWaiverView(RowActionView):
    class_permission_name = "Waiver"
    method_permission_name = {"confirm": "approve"}
    form_class = DecisionForm
    title = _l("Approve a waiver")
    submit = _l("Approve")
    back_endpoint = "WaiverView.show"

    def operation(self, session, pk, form, actor):
        approve_waiver(session, pk, actor, form.reason.data or "")
        return gettext("Waiver approved."), url_for("WaiverView.show", pk=pk)


class RejectWaiverView(ApproveWaiverView):
    title = _l("Reject a waiver")
    submit = _l("Reject")

    def operation(self, session, pk, form, actor):
        reject_waiver(session, pk, actor, form.reason.data or "")
        return gettext("Waiver rejected."), url_for("WaiverView.show", pk=pk)


class WaiverView(WuyeModelView):
    datamodel = SQLAInterface(Waiver)
    class_permission_name = "Waiver"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "approve": "approve",
        "reject": "approve",
    }
    base_permissions = ["can_read", "can_approve"]
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Waivers")
    enums = {"reason": WaiverReason}
    list_columns = [
        "requested_at",
        "community",
        "bill",
        "part",
        "amount",
        "reason",
        "status",
        "requested_by",
        "decided_by",
    ]
    show_columns = [*list_columns, "explanation", "evidence", "decided_at", "decision_note"]
    search_columns = ["community", "status", "requested_at", "requested_by"]
    formatters_columns = {
        "requested_at": local_time,
        "decided_at": local_time,
        "part": lambda p: PARTS.get(p, p),
        "status": lambda s: {
            "requested": gettext("Awaiting approval"),
            "approved": gettext("Approved"),
            "rejected": gettext("Rejected"),
        }.get(s, s),
    }
    base_order = ("id", "desc")

    def offered_actions(self, item) -> set[str]:
        return {"approve", "reject"} if awaits_decision(item) else set()

    @action("approve", _l("Approve"), "", "fa-check", multiple=False)
    def approve(self, item):
        return redirect(url_for("ApproveWaiverView.confirm", pk=item.id))

    @action("reject", _l("Reject"), "", "fa-times", multiple=False)
    def reject(self, item):
        return redirect(url_for("RejectWaiverView.confirm", pk=item.id))
