"""Supervision screens (docs/domain.md §11): check plans, checks with their findings inline, the
rectification ledger (整改台账) and each rectification's page with its decisions.

Plans and checks are added and edited through FAB's forms, validated by the supervision service
first; a finding and every step of a rectification go through the service in one unit of work.
Rectified: the responsible person, customer service or a manager; Accept and Reject: a manager.
"""

from io import BytesIO

from dateutil.relativedelta import relativedelta
from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.clock import business_date
from app.domain.periods import month_start
from app.domain.supervision import OVERDUE
from app.extensions import db
from app.models import CheckPlan, Finding, Rectification, SupervisionCheck, SupervisionReport
from app.models.supervision import CheckKind, PlanCycle, RectificationStatus, Severity
from app.security import (
    RECTIFICATIONS,
    RECTIFICATIONS_SCOPED,
    current_user,
    in_scope,
    visible_community_ids,
)
from app.services.errors import DomainError
from app.services.supervision import (
    LedgerQuery,
    accept_rectification,
    add_finding,
    community_staff,
    get_check,
    ledger_counts,
    ledger_of,
    mark_rectified,
    parse_ledger_query,
    reject_rectification,
    validate_check,
    validate_plan,
)
from reports.supervision import render, report_document

from .base import (
    RowActionView,
    WuyeModelView,
    enum_label,
    enum_select,
    export_links,
    local_time,
    refusal_text,
    send_rows,
)
from .billing import BillingRunForm, month
from .forms import DecisionForm, my_communities
from .notices import pdf_link, send_pdf

status_label = enum_label(RectificationStatus)


def _actor() -> str:
    return current_user().username


def staff_name(user) -> str:
    return f"{user.last_name}{user.first_name} ({user.username})" if user is not None else ""


class CheckPlanView(WuyeModelView):
    """Annual, quarterly and monthly check plans, per community or company-wide."""

    datamodel = SQLAInterface(CheckPlan)
    class_permission_name = "SupervisionPlan"
    include_route_methods = {"list", "show", "add", "edit"}
    list_title = show_title = _l("Check plans")
    add_title = _l("New check plan")
    edit_title = _l("Edit a check plan")
    enums = {"cycle": PlanCycle}
    list_columns = ["title", "community", "cycle", "starts_on", "ends_on", "planned_checks"]
    show_columns = [*list_columns, "focus", "created_by", "created_at"]
    add_columns = edit_columns = [
        "community",
        "title",
        "cycle",
        "starts_on",
        "planned_checks",
        "focus",
    ]
    search_columns = ["community", "cycle", "starts_on", "title"]
    description_columns = {
        "community": _l("Leave it empty for a company-wide plan."),
        "starts_on": _l("The first day of the year, quarter or month."),
    }
    formatters_columns = {
        "community": lambda c: c or gettext("Company-wide"),
        "created_at": local_time,
    }
    base_order = ("starts_on", "desc")

    def validate(self, item) -> None:
        validate_plan(db.session, item, _actor())


class FindingView(WuyeModelView):
    """A check's findings, each with its rectification (shown on the check's page)."""

    datamodel = SQLAInterface(Finding)
    class_permission_name = "SupervisionCheck"
    include_route_methods = set()
    list_title = _l("Findings")
    enums = {"severity": Severity}
    list_columns = ["severity", "description", "rectification"]
    formatters_columns = {
        "rectification": lambda r: Markup('<a href="{}">{} · {} · {}</a>').format(
            url_for("RectificationView.show", pk=r.id),
            staff_name(r.responsible),
            r.deadline.isoformat(),
            status_label(r.status),
        )
    }
    base_order = ("id", "asc")


class SupervisionCheckView(WuyeModelView):
    """Routine, special and surprise checks; findings are added from a check's page."""

    datamodel = SQLAInterface(SupervisionCheck)
    class_permission_name = "SupervisionCheck"
    method_permission_name = {**WuyeModelView.method_permission_name, "finding": "write"}
    include_route_methods = {"list", "show", "add", "edit", "action", "action_post"}
    list_title = show_title = _l("Supervision checks")
    add_title = _l("Record a check")
    edit_title = _l("Edit a check")
    enums = {"kind": CheckKind}
    list_columns = ["checked_on", "community", "kind", "inspector", "plan", "findings"]
    show_columns = [*list_columns[:5], "summary", "recorded_by", "recorded_at"]
    add_columns = edit_columns = ["community", "kind", "checked_on", "inspector", "plan", "summary"]
    search_columns = ["community", "kind", "checked_on", "inspector", "plan"]
    formatters_columns = {"findings": len, "recorded_at": local_time}
    related_views = [FindingView]
    base_order = ("checked_on", "desc")

    def validate(self, item) -> None:
        validate_check(db.session, item, _actor())

    @action("finding", _l("Add a finding"), "", "fa-plus", multiple=False)
    def finding(self, item):
        return redirect(url_for("AddFindingView.confirm", pk=item.id))


class FindingForm(DynamicForm):
    severity = enum_select(_l("Severity"), Severity)
    description = TextAreaField(_l("Description"), validators=[InputRequired(), Length(max=2000)])
    responsible = SelectField(_l("Responsible"), choices=[], validators=[InputRequired()])
    deadline = DateField(
        _l("Deadline"),
        validators=[InputRequired()],
        description=_l("Not before the check."),
    )


class AddFindingView(RowActionView):
    """Add a finding to a check (pk: the check), with its rectification."""

    class_permission_name = "SupervisionCheck"
    method_permission_name = {"confirm": "write"}
    form_class = FindingForm
    title = _l("Add a finding")
    intro = _l("The responsible staff member rectifies it by the deadline; a manager accepts.")
    submit = _l("Add")
    back_endpoint = "SupervisionCheckView.show"

    def make_form(self, pk: int):
        form = self.form_class()
        try:
            check = get_check(db.session, pk)
        except DomainError:
            return form
        form.responsible.choices = [
            (str(user.id), staff_name(user))
            for user in community_staff(db.session, check.community_id)
        ]
        return form

    def operation(self, session, pk, form, actor):
        add_finding(
            session,
            pk,
            form.severity.data,
            form.description.data,
            form.responsible.data,
            form.deadline.data,
            actor,
        )
        return gettext("Finding added."), url_for("SupervisionCheckView.show", pk=pk)


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


# --- the supervision-check report ------------------------------------------------------------


def last_month() -> str:
    return month(month_start(business_date()) - relativedelta(months=1))


class SupervisionReportForm(BillingRunForm):
    dry_run = None  # nothing to preview: the report is read-only


class SupervisionReportFormView(BaseView):
    """Render a month's report of a community (or company-wide) now, as a PDF."""

    route_base = "/supervision/report"
    class_permission_name = "SupervisionReport"
    method_permission_name = {"report": "read"}
    default_view = "report"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def report(self):
        form = SupervisionReportForm(period=last_month())
        form.period.label.text = gettext("Month")
        if form.validate_on_submit():
            try:
                context = report_document(db.session, form.period.data, form.community.data or None)
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                pdf, _pages = render(context)
                return send_file(
                    BytesIO(pdf),
                    mimetype="application/pdf",
                    download_name=f"{context['number']}.pdf",
                )
        return self.render_template(
            "form.html",
            title=_l("Supervision-check report"),
            intro=_l(
                "Every figure of the month for a community, or for all of them: collection, "
                "arrears and aging, dunning, installments, complaints, satisfaction, "
                "rectifications and collectors' scores. The reports of each month are also "
                "made on the 1st and kept under Stored supervision reports."
            ),
            form=form,
            submit=_l("Make the report"),
            action=url_for("SupervisionReportFormView.report"),
        )


class SupervisionReportView(WuyeModelView):
    """The reports the monthly job stored, with their PDFs."""

    datamodel = SQLAInterface(SupervisionReport)
    class_permission_name = "SupervisionReport"
    method_permission_name = {**WuyeModelView.method_permission_name, "download": "read"}
    base_permissions = ["can_read"]
    include_route_methods = {"list", "download"}
    list_title = _l("Stored supervision reports")
    list_columns = ["month", "community", "pages", "generated_at", "generated_by", "pdf"]
    search_columns = ["month", "community"]
    formatters_columns = {
        "month": month,
        "community": lambda c: c or gettext("Company-wide"),
        "generated_at": local_time,
        "pdf": pdf_link("SupervisionReportView.download"),
    }
    base_order = ("month", "desc")

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk: int):
        report = db.session.get(SupervisionReport, pk)
        if report is None or not in_scope(report):  # company-wide: for who sees all
            abort(404)
        return send_pdf(report.file, report.file.rsplit("/", 1)[-1])
