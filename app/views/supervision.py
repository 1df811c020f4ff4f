"""Supervision screens (docs/domain.md §11): check plans, and checks with their findings inline.

Plans and checks are added and edited through FAB's forms, validated by the supervision service
first; a finding is added through the service in one unit of work, with its rectification (whose
screens are in ``app.views.rectifications``).
"""

from flask import redirect, url_for
from flask_appbuilder import action
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.extensions import db
from app.models import CheckPlan, Finding, SupervisionCheck
from app.models.supervision import CheckKind, PlanCycle, RectificationStatus, Severity
from app.security.scoping import current_user
from app.services.errors import DomainError
from app.services.supervision import (
    add_finding,
    community_staff,
    get_check,
    validate_check,
    validate_plan,
)

from .base import WuyeModelView
from .columns import enum_label, enum_select, local_time
from .row_actions import RowActionView

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
