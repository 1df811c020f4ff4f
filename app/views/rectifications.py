"""Rectification screens (docs/domain.md §11): the rectification ledger (整改台账) and each
rectification's page with its decisions.

Every step of a rectification goes through the supervision service in one unit of work.
Rectified: the responsible person, customer service or a manager; Accept and Reject: a manager.
"""

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from app.clock import business_date
from app.domain.supervision import OVERDUE
from app.extensions import db
from app.models import Rectification
from app.models.supervision import CheckKind, RectificationStatus, Severity
from app.security.roles import RECTIFICATIONS
from app.security.scoping import RECTIFICATIONS_SCOPED, visible_community_ids
from app.services.errors import DomainError
from app.services.supervision import accept_rectification, mark_rectified, reject_rectification
from app.services.supervision_ledger import (
    LedgerQuery,
    ledger_counts,
    ledger_of,
    parse_ledger_query,
)

from .base import WuyeModelView, export_links, send_rows
from .columns import enum_label, local_time
from .forms import DecisionForm, my_communities
from .row_actions import RowActionView, refusal_text
from .supervision import staff_name


class RectifiedForm(DynamicForm):
    reason = TextAreaField(_l("What was done"), validators=[InputRequired(), Length(max=2000)])


class RectifiedView(RowActionView):
    """Report a rectification done (pk: the rectification)."""

    class_permission_name = RECTIFICATIONS
    method_permission_name = {"confirm": "write"}
    form_class = RectifiedForm
    title = _l("Report rectified")
    intro = _l("A manager then checks the work and accepts it, or sends it back.")
    submit = _l("Report rectified")
    back_endpoint = "RectificationView.show"

    def operation(self, session, pk, form, actor):
        mark_rectified(session, pk, form.reason.data, actor)
        return gettext("Reported rectified."), url_for("RectificationView.show", pk=pk)


class AcceptRectificationView(RowActionView):
    class_permission_name = RECTIFICATIONS
    method_permission_name = {"confirm": "approve"}
    form_class = DecisionForm
    title = _l("Accept a rectification")
    submit = _l("Accept")
    back_endpoint = "RectificationView.show"

    def operation(self, session, pk, form, actor):
        accept_rectification(session, pk, actor, form.reason.data or "")
        return gettext("Rectification accepted."), url_for("RectificationView.show", pk=pk)


class RejectRectificationView(AcceptRectificationView):
    title = _l("Reject a rectification")
    intro = _l("Say what is still wanting: it goes back to the responsible person.")
    submit = _l("Reject")

    def operation(self, session, pk, form, actor):
        reject_rectification(session, pk, actor, form.reason.data or "")
        return gettext("Rectification sent back."), url_for("RectificationView.show", pk=pk)


class RectificationView(WuyeModelView):
    """One rectification with its decisions (reached from the ledger and the checks)."""

    datamodel = SQLAInterface(Rectification)
    class_permission_name = RECTIFICATIONS
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "rectified": "write",
        "accept": "approve",
        "reject": "approve",
    }
    base_permissions = ["can_read", "can_write", "can_approve"]
    base_filters = RECTIFICATIONS_SCOPED
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Rectifications")
    enums = {"status": RectificationStatus}
    list_columns = [
        "community",
        "checked_on",
        "severity",
        "description",
        "responsible",
        "deadline",
        "status",
    ]
    show_columns = [
        *list_columns,
        "rectified_at",
        "rectified_by",
        "rectification_note",
        "rejections",
        "accepted_at",
        "accepted_by",
        "decision_note",
    ]
    search_columns = ["community", "status", "deadline", "responsible"]
    formatters_columns = {
        "severity": enum_label(Severity),
        "responsible": staff_name,
        "rectified_at": local_time,
        "accepted_at": local_time,
    }
    base_order = ("deadline", "asc")

    @action("rectified", _l("Report rectified"), "", "fa-wrench", multiple=False)
    def rectified(self, item):
        return redirect(url_for("RectifiedView.confirm", pk=item.id))

    @action("accept", _l("Accept"), "", "fa-check", multiple=False)
    def accept(self, item):
        return redirect(url_for("AcceptRectificationView.confirm", pk=item.id))

    @action("reject", _l("Reject"), "", "fa-times", multiple=False)
    def reject(self, item):
        return redirect(url_for("RejectRectificationView.confirm", pk=item.id))


def _ledger_query() -> LedgerQuery:
    """The ledger's filters; on bad ones, say why and show today's ledger unfiltered."""
    visible = visible_community_ids()
    try:
        return parse_ledger_query(request.args, visible)
    except DomainError as err:
        flash(refusal_text(err), "danger")
        return LedgerQuery(business_date(), visible)


class RectificationLedgerView(BaseView):
    """整改台账: every rectification with its status as of a day, filtered and exported;
    finance and collectors see the ones they are responsible for."""

    route_base = "/supervision/ledger"
    class_permission_name = RECTIFICATIONS
    method_permission_name = {"ledger": "read", "export": "export"}
    default_view = "ledger"

    @expose("/")
    @has_access
    def ledger(self):
        query = _ledger_query()
        lines = ledger_of(db.session, query)
        return self.render_template(
            "supervision/ledger.html",
            title=_l("Rectification ledger"),
            query=query,
            args=request.args,
            communities=my_communities(),
            statuses=RectificationStatus.choices(),
            severities=Severity.choices(),
            lines=lines,
            counts=ledger_counts(lines),
            overdue=OVERDUE,
            label=lambda enum, value: enum(value).label,
            enums={"status": RectificationStatus, "severity": Severity, "kind": CheckKind},
            exports=export_links(self),
        )

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        """The ledger under the page's filters (bad ones are refused: nothing to show them on)."""
        try:
            query = parse_ledger_query(request.args, visible_community_ids())
        except DomainError as err:
            abort(err.status)
        header = [
            gettext("Community"),
            gettext("Checked on"),
            gettext("Kind"),
            gettext("Severity"),
            gettext("Finding"),
            gettext("Responsible"),
            gettext("Deadline"),
            gettext("Status"),
            gettext("Days overdue"),
            gettext("Reported rectified on"),
            gettext("Accepted on"),
        ]
        rows = [
            [
                line.community,
                line.checked_on,
                CheckKind(line.check_kind).label,
                Severity(line.severity).label,
                line.description,
                line.responsible,
                line.deadline,
                RectificationStatus(line.status).label,
                line.days_overdue,
                line.rectified_on,
                line.accepted_on,
            ]
            for line in ledger_of(db.session, query)
        ]
        return send_rows(fmt, "rectification_ledger", header, rows)
