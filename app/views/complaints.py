"""Complaint screens (docs/domain.md §9): the list with its overdue flags and filters, the
overdue list, and each complaint's page with its follow-up log and the steps its status allows.
The overdue flags are computed when a page reads them (``Complaint.overdue_at`` at ``read_at``;
filtered in SQL by ``app.services.complaint_flags``). Taking a complaint down is in
``app.views.complaint_intake``; the steps on its page in ``app.views.complaint_actions``.
"""

from functools import partial

from flask import url_for
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.clock import read_at
from app.domain import complaints as rules
from app.domain.complaints import Step
from app.extensions import db
from app.labels import LABELS
from app.models import Complaint
from app.models.complaints import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    EntryAction,
)
from app.security.roles import ASSIGN, WRITE
from app.security.scoping import SCOPED, has_permission
from app.services.complaint_flags import ComplaintInterface, overdue_now
from app.services.search import row_matches

from .base import WuyeModelView
from .columns import local_time, person, yes_no


class OverdueNow(BaseFilter):
    """Unresolved complaints past a deadline still awaited, at the instant the page reads."""

    name = _l("Overdue")

    def apply(self, query, value):
        return query.filter(overdue_now(read_at()))


# (step, button label, form view, icon): the moves a complaint's page offers.
STEPS = (
    (Step.ACKNOWLEDGE, _l("Acknowledge"), "AcknowledgeComplaintView", "fa-check"),
    (Step.START, _l("Start work"), "StartComplaintView", "fa-play"),
    (Step.RESOLVE, _l("Resolve"), "ResolveComplaintView", "fa-wrench"),
    (Step.RETURN_VISIT, _l("Return visit"), "ReturnVisitView", "fa-phone"),
    (Step.REOPEN, _l("Reopen"), "ReopenComplaintView", "fa-undo"),
)


class ComplaintView(WuyeModelView):
    datamodel = ComplaintInterface(Complaint)
    class_permission_name = "Complaint"
    include_route_methods = {"list", "show"}
    show_template = "complaints/show.html"
    list_title = show_title = _l("Complaints")
    enums = {"status": ComplaintStatus, "category": ComplaintCategory, "channel": ComplaintChannel}
    personal_fields = ("phone",)
    list_columns = [
        "id",
        "received_at",
        "community",
        "unit",
        "owner",
        "phone",
        "category",
        "status",
        "assignee",
        "respond_by",
        "resolve_by",
        "response_overdue",
        "resolution_overdue",
        "nonpayment_reason",
    ]
    show_columns = [
        *list_columns[:5],
        "channel",
        "description",
        *list_columns[5:],
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "satisfaction",
        "logged_by",
    ]
    text_search = staticmethod(partial(row_matches, Complaint))
    search_columns = [
        "community",
        "category",
        "channel",
        "status",
        "assignee",
        "received_on",
        "response_overdue",
        "resolution_overdue",
        "nonpayment_reason",
    ]
    # The overdue flags are computed when read (Complaint.overdue_at), filtered in SQL.
    search_form_extra_fields = {
        "response_overdue": BooleanField(LABELS["response_overdue"]),
        "resolution_overdue": BooleanField(LABELS["resolution_overdue"]),
    }
    formatters_columns = {
        "received_at": local_time,
        "respond_by": local_time,
        "acknowledged_at": local_time,
        "resolved_at": local_time,
        "closed_at": local_time,
        "response_overdue": yes_no,
        "resolution_overdue": yes_no,
        "nonpayment_reason": yes_no,
    }
    base_order = ("received_at", "desc")

    def render_template(self, template, **kwargs):
        """A complaint's page gets its follow-up log and the steps its status allows."""
        if "pk" in kwargs:  # FAB's show found it in the user's communities
            complaint = db.session.get(Complaint, int(kwargs["pk"]))
            kwargs.update(complaint=complaint, **self._page(complaint))
        return super().render_template(template, **kwargs)

    @staticmethod
    def _page(complaint: Complaint) -> dict:
        writes, assigns = has_permission(WRITE, "Complaint"), has_permission(ASSIGN, "Complaint")
        open_ = complaint.status != ComplaintStatus.CLOSED
        buttons = [
            (label, url_for(f"{view}.confirm", pk=complaint.id), icon)
            for step, label, view, icon in STEPS
            if writes and rules.next_status(step, complaint.status) is not None
        ]
        if assigns and open_:
            buttons.append(
                (_l("Assign"), url_for("AssignComplaintView.confirm", pk=complaint.id), "fa-user")
            )
        if writes:
            buttons.append(
                (_l("Add a note"), url_for("NoteComplaintView.confirm", pk=complaint.id), "fa-pen")
            )
        if writes and (open_ or complaint.nonpayment_reason):
            buttons.append(
                (
                    _l("Reason for not paying"),
                    url_for("NonPaymentReasonView.confirm", pk=complaint.id),
                    "fa-hand-holding-usd",
                )
            )
        return {
            "buttons": buttons,
            "entries": complaint.entries,
            "action_label": lambda value: EntryAction(value).label,
            "status_label": lambda value: ComplaintStatus(value).label if value else "",
            "when": local_time,
            "person": person,
        }


class OverdueComplaintView(ComplaintView):
    """Unresolved complaints past their first-response or resolution deadline, now."""

    list_title = _l("Overdue complaints")
    base_filters = [*SCOPED, ["id", OverdueNow, None]]
    base_order = ("resolve_by", "asc")
