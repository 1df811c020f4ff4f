"""Dunning screens: the levels (Admin edits them), the cases and actions the daily scan records,
and the legal-action proposals a manager approves or rejects.

Nothing here changes money or escalates by hand: the scan (``wuye dunning-scan``, the daily job,
``POST /api/v1/dunning/scan``) records the actions; the decision pages call ``approve_legal`` /
``reject_legal`` in one unit of work and queue the evidence pack after the commit.
"""

from flask import flash, redirect, send_file, url_for
from flask_appbuilder import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.files import stored_file
from app.models.collection import ContactOutcome
from app.models.dunning import (
    DunningAction,
    DunningActionKind,
    DunningCase,
    DunningLevel,
    DunningPause,
    DunningTemplate,
    LevelChannel,
    ProposalStatus,
)
from app.security.scoping import in_scope
from app.services.dunning_legal import approve_legal, awaits_decision, reject_legal
from app.services.dunning_levels import validate_level
from jobs.dunning import enqueue_evidence

from .base import WuyeModelView
from .columns import local_time
from .forms import DecisionForm
from .row_actions import RowActionView

READ_ONLY = {"list", "show", "action", "action_post"}


class DunningLevelView(WuyeModelView):
    """The five levels of docs/domain.md §6; Admin edits their days, amount, channel and
    template."""

    datamodel = SQLAInterface(DunningLevel)
    class_permission_name = "DunningLevel"
    base_filters = []
    include_route_methods = {"list", "show", "edit"}
    list_title = show_title = _l("Dunning levels")
    edit_title = _l("Edit a dunning level")
    enums = {"channel": LevelChannel, "template": DunningTemplate}
    list_columns = ["level", "name", "days", "min_amount", "channel", "template", "active"]
    show_columns = list_columns
    edit_columns = ["name", "days", "min_amount", "channel", "template", "active"]
    base_order = ("level", "asc")
    description_columns = {
        "days": _l("Days overdue; negative for days before the due date."),
        "name": _l(
            "No level may cut off water, electricity, gas or heating (Civil Code art. 944)."
        ),
        "channel": _l(
            "Visit: the key follow-up becomes a visit task on the list of a collector of the "
            "unit's community."
        ),
    }

    def validate(self, item) -> None:
        validate_level(db.session, item)


class DunningActionView(WuyeModelView):
    """Every action the scan recorded, with its document and delivery."""

    datamodel = SQLAInterface(DunningAction)
    class_permission_name = "DunningAction"
    method_permission_name = {**WuyeModelView.method_permission_name, "document": "read"}
    include_route_methods = READ_ONLY
    list_title = show_title = _l("Dunning actions")
    enums = {
        "kind": DunningActionKind,
        "channel": LevelChannel,
        "status": ProposalStatus,
        "outcome": ContactOutcome,
    }
    list_columns = [
        "scheduled_on",
        "community",
        "unit",
        "owner",
        "level",
        "kind",
        "channel",
        "amount",
        "days_overdue",
        "deadline",
        "status",
        "outcome",
    ]
    show_columns = [
        *list_columns,
        "outbox_message",
        "task",
        "attempt",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    search_columns = ["scheduled_on", "community", "level", "kind", "status"]
    formatters_columns = {"created_at": local_time, "decided_at": local_time}
    base_order = ("id", "desc")

    @action("document", _l("Document (PDF)"), "", "fa-file-pdf", multiple=False)
    def document(self, item):
        """The letter or evidence pack of the action."""
        # FAB loads the row of an action without the view's filters: check the scope here.
        path = stored_file(item.document) if item is not None and in_scope(item) else None
        if path is None or not path.is_file():
            flash(gettext("This action has no document."), "warning")
            return redirect(self.get_redirect())
        return send_file(path, mimetype="application/pdf", download_name=path.name)


class DunningCaseView(WuyeModelView):
    """One case per unit in arrears: the level reached and any pause, with its reason."""

    datamodel = SQLAInterface(DunningCase)
    class_permission_name = "DunningAction"
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Dunning cases")
    enums = {"pause_kind": DunningPause}
    list_columns = [
        "community",
        "unit",
        "owner",
        "level",
        "opened_on",
        "closed_on",
        "pause_kind",
        "paused_until",
    ]
    show_columns = [*list_columns, "pause_note"]
    search_columns = ["community", "level", "opened_on", "closed_on", "pause_kind"]
    related_views = [DunningActionView]
    base_order = ("id", "desc")


class LegalProposalView(DunningActionView):
    """Legal action proposed by the scan, for a manager to approve or reject."""

    list_title = show_title = _l("Legal action proposals")
    method_permission_name = {
        **DunningActionView.method_permission_name,
        "approve": "approve",
        "reject": "approve",
    }
    base_filters = [
        *DunningActionView.base_filters,
        ["kind", FilterEqual, DunningActionKind.LEGAL_PROPOSAL.value],
    ]

    def offered_actions(self, item) -> set[str]:
        deciding = {"approve", "reject"} if awaits_decision(item) else set()
        return {"document", *deciding}

    @action("approve", _l("Approve"), "", "fa-check", multiple=False)
    def approve(self, item):
        return redirect(url_for("ApproveLegalView.confirm", pk=item.id))

    @action("reject", _l("Reject"), "", "fa-times", multiple=False)
    def reject(self, item):
        return redirect(url_for("RejectLegalView.confirm", pk=item.id))


class LegalDecisionView(RowActionView):
    class_permission_name = "DunningAction"
    method_permission_name = {"confirm": "approve"}
    form_class = DecisionForm
    back_endpoint = "LegalProposalView.show"


class ApproveLegalView(LegalDecisionView):
    title = _l("Approve legal action")
    intro = _l(
        "Approving starts legal action for this unit; the evidence pack (letters, delivery "
        "records, contact log, statement) is put together as one PDF."
    )
    submit = _l("Approve")

    def operation(self, session, pk, form, actor):
        approve_legal(session, pk, actor, form.reason.data or "")
        enqueue_evidence(pk)  # committed with the approval
        return gettext("Legal action approved."), url_for("LegalProposalView.show", pk=pk)


class RejectLegalView(LegalDecisionView):
    title = _l("Reject legal action")
    intro = _l("Say why: the unit stays in the follow-up stage.")
    submit = _l("Reject")

    def operation(self, session, pk, form, actor):
        reject_legal(session, pk, actor, form.reason.data or "")
        return gettext("Legal action rejected."), url_for("LegalProposalView.show", pk=pk)
