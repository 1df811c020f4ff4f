"""Collection campaign screens (docs/domain.md §7): a manager creates a campaign from filters, reads
its report and prints each staff member's task sheet; a collector works through "My tasks today"
and records each contact attempt. Every form calls the collection service in one unit of work.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.clock import business_date
from app.domain.masking import mask_phone
from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import CollectionCampaign, CollectionTask, StaffAssignment
from app.models.collection import (
    CampaignStatus,
    ContactChannel,
    ContactOutcome,
    TaskAction,
    TaskStatus,
)
from app.security.personal import can_view_personal_data
from app.security.scoping import (
    TASKS_SCOPED,
    current_user,
    sees_only_own_tasks,
    task_in_scope,
    visible_community_ids,
)
from app.services.accounts import account_statement
from app.services.collection import close_campaign, create_campaign
from app.services.collection_report import campaign_report
from app.services.collection_tasks import record_contact, tasks_due
from app.services.errors import DomainError
from app.services.rows import visible_or_none
from app.services.settings import get_int
from reports import pdf_response
from reports.context import task_sheet_context

from .base import WuyeModelView
from .columns import enum_label, enum_select, local_time
from .forms import my_communities
from .pages import page_of
from .row_actions import RowActionView, refusal_text


def my_staff(roles: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Active staff assigned to the user's communities (holding one of ``roles`` if given), as
    form choices."""
    query = (
        select(User.id, User.username, User.last_name, User.first_name)
        .join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(User.active.is_(True))
        .distinct()
        .order_by(User.username)
    )
    if roles is not None:
        query = query.where(User.roles.any(Role.name.in_(roles)))
    ids = visible_community_ids()
    if ids is not None:
        query = query.where(StaffAssignment.community_id.in_(ids))
    return [
        (str(i), f"{last}{first} ({name})") for i, name, last, first in db.session.execute(query)
    ]


def task_sheet(campaign_id: int, user_id: int, reveal: bool):
    """A staff member's task sheet of a campaign as a PDF; 404 for what the user may not see."""
    try:
        context = task_sheet_context(db.session, campaign_id, user_id, reveal)
    except DomainError:
        abort(404)
    return pdf_response("task_sheet.html", context)


class CampaignForm(DynamicForm):
    community = SelectField(LABELS["community"], choices=[], validators=[InputRequired()])
    name = StringField(_l("Campaign name"), validators=[InputRequired(), Length(max=100)])
    staff = SelectMultipleField(
        _l("Staff"),
        choices=[],
        validators=[Optional()],  # the service names a campaign without staff
        description=_l("Units are shared evenly, by count and by amount, among them."),
    )
    min_days_overdue = IntegerField(
        _l("Minimum days overdue"), default=1, validators=[InputRequired(), NumberRange(min=1)]
    )
    min_amount = StringField(_l("Minimum arrears (¥)"), validators=[Optional()])
    first_contact_days = IntegerField(
        _l("Days to reach every owner"), validators=[InputRequired(), NumberRange(min=0)]
    )


class CampaignFormView(BaseView):
    """Create a campaign over a community's overdue units and deal them to the staff."""

    route_base = "/collection/new"
    class_permission_name = "CollectionCampaign"
    method_permission_name = {"start": "write"}
    default_view = "start"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def start(self):
        form = CampaignForm()
        form.community.choices = my_communities()
        form.staff.choices = my_staff()
        if request.method == "GET":
            form.first_contact_days.data = get_int(db.session, "first_contact_days")
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    campaign = create_campaign(
                        session,
                        form.community.data,
                        form.name.data,
                        [int(i) for i in form.staff.data or ()],
                        form.min_days_overdue.data,
                        form.min_amount.data,
                        form.first_contact_days.data,
                        actor=current_user().username,
                    )
                    message = gettext(
                        "Campaign created: %(n)d units dealt to %(staff)d staff members.",
                        n=len(campaign.tasks),
                        staff=len(form.staff.data),
                    )
                    campaign_id = campaign.id
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                flash(message, "success")
                return redirect(url_for("CampaignReportView.report", pk=campaign_id))
        return self.render_template(
            "form.html",
            title=_l("New collection campaign"),
            form=form,
            intro=_l(
                "Picks the community's units overdue by at least the given days and owing at "
                "least the given amount today, leaves out units already in an active campaign, "
                "and shares them among the staff."
            ),
            submit=_l("Create the campaign"),
            action=url_for("CampaignFormView.start"),
        )


class CampaignReportView(BaseView):
    """A campaign's report (per staff member) with the links to their task sheets."""

    route_base = "/collection/campaign"
    class_permission_name = "CollectionCampaign"
    method_permission_name = {"report": "read", "sheet": "read"}
    default_view = "report"

    @expose("/<int:pk>")
    @has_access
    def report(self, pk: int):
        try:
            report = campaign_report(db.session, pk, request.args.get("as_of"))
        except DomainError as err:
            if err.status == 404:
                abort(404)
            flash(refusal_text(err), "danger")
            return redirect(url_for("CampaignReportView.report", pk=pk))
        return self.render_template(
            "collection/report.html",
            title=_l("Collection campaign"),
            report=report,
            campaign=report.campaign,
            status=CampaignStatus(report.campaign.status).label,
        )

    @expose("/<int:pk>/sheet/<int:user_id>")
    @has_access
    def sheet(self, pk: int, user_id: int):
        """The staff member's task sheet (PDF); phones masked unless the user may see them."""
        return task_sheet(pk, user_id, can_view_personal_data())


class CollectionCampaignView(WuyeModelView):
    datamodel = SQLAInterface(CollectionCampaign)
    class_permission_name = "CollectionCampaign"
    method_permission_name = {**WuyeModelView.method_permission_name, "close": "write"}
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Collection campaigns")
    list_columns = [
        "name",
        "community",
        "started_on",
        "first_contact_by",
        "min_days_overdue",
        "min_amount",
        "status",
        "created_by",
    ]
    show_columns = [*list_columns, "created_at", "closed_at"]
    search_columns = ["community", "name", "status", "started_on"]
    formatters_columns = {
        "status": enum_label(CampaignStatus),
        "created_at": local_time,
        "closed_at": local_time,
    }
    base_order = ("id", "desc")

    @action("report", _l("Report and task sheets"), "", "fa-chart-bar", multiple=False)
    def report(self, item):
        return redirect(url_for("CampaignReportView.report", pk=item.id))

    @action("close", _l("Close"), _l("End the selected campaigns? No more contacts."), "fa-lock")
    def close(self, items):
        try:
            with unit_of_work() as session:
                for item in items:
                    close_campaign(session, item.id)
        except DomainError as err:
            flash(refusal_text(err), "danger")
        else:
            flash(gettext("Campaigns closed: %(count)d.", count=len(items)), "success")
        return redirect(url_for("CollectionCampaignView.list"))


class OwnTasks:
    """A collector sees only its own tasks, and their owners' phones (README, "Roles")."""

    base_filters = TASKS_SCOPED

    def may_reveal(self) -> bool:
        return can_view_personal_data() or sees_only_own_tasks()


class CollectionTaskView(OwnTasks, WuyeModelView):
    datamodel = SQLAInterface(CollectionTask)
    class_permission_name = "CollectionTask"
    method_permission_name = {**WuyeModelView.method_permission_name, "complaint": "write"}
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Collection tasks")
    personal_fields = ("phone",)
    list_columns = [
        "campaign",
        "unit",
        "owner",
        "phone",
        "assignee",
        "arrears_at_start",
        "status",
        "next_action",
        "next_due",
        "complaint_needed",
    ]
    show_columns = [*list_columns, "complaint", "days_overdue_at_start", "last_outcome"]
    search_columns = ["campaign", "status", "next_due", "complaint_needed"]
    formatters_columns = {
        "status": enum_label(TaskStatus),
        "next_action": enum_label(TaskAction),
        "last_outcome": enum_label(ContactOutcome),
    }
    base_order = ("next_due", "asc")

    @action("contact", _l("Record a contact"), "", "fa-phone", multiple=False)
    def contact(self, item):
        return redirect(url_for("ContactFormView.confirm", pk=item.id))

    @action("complaint", _l("Open the complaint"), "", "fa-comment", multiple=False)
    def complaint(self, item):
        """A refusal calls for a complaint (customer service opens it)."""
        return redirect(url_for("ComplaintFromTaskView.confirm", pk=item.id))


class MyTasksView(BaseView):
    """The signed-in staff member's tasks due today or earlier, in active campaigns (refused
    ones excepted: they went to the community manager)."""

    route_base = "/collection/my-tasks"
    class_permission_name = "CollectionTask"
    method_permission_name = {"today": "write", "sheet": "write"}
    default_view = "today"

    @expose("/")
    @has_access
    def today(self):
        today = business_date()
        tasks, campaigns = tasks_due(db.session, current_user().id, today)
        return self.render_template(
            "collection/my_tasks.html",
            title=_l("My tasks today"),
            today=today,
            tasks=page_of(tasks),
            campaigns=campaigns,
            action_label=lambda value: TaskAction(value).label,
            outcome_label=lambda value: ContactOutcome(value).label if value else "",
        )

    @expose("/sheet/<int:pk>")
    @has_access
    def sheet(self, pk: int):
        """The user's own task sheet of a campaign, phones unmasked: they are its own tasks."""
        return task_sheet(pk, current_user().id, reveal=True)


class ContactForm(DynamicForm):
    channel = enum_select(_l("Channel"), ContactChannel)
    outcome = enum_select(_l("Outcome"), ContactOutcome)
    promised_date = DateField(
        _l("Promised date"),
        validators=[Optional()],
        description=_l("Only for a promise to pay."),
    )
    promised_amount = StringField(_l("Promised amount (¥)"), validators=[Optional()])
    refusal_reason = StringField(
        _l("Reason for refusing"),
        validators=[Optional(), Length(max=300)],
        description=_l("Only for a refusal: which facility or service the owner objects to."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ContactFormView(RowActionView):
    """Record a contact attempt on a task (pk: the task)."""

    class_permission_name = "CollectionTask"
    method_permission_name = {"confirm": "write"}
    form_class = ContactForm
    title = _l("Record a contact")
    intro = _l(
        "The outcome sets the next action: a promise is reminded the day before; an undecided, "
        "unreachable or absent owner is contacted again the next day; a refusal goes to the "
        "community manager and needs a complaint. A visit due for dunning: record what it found."
    )
    submit = _l("Record")
    back_endpoint = "CollectionTaskView.show"

    def make_form(self, pk: int):
        """A visit a dunning level put on the task is recorded as a visit unless told otherwise."""
        form = super().make_form(pk)
        task = db.session.get(CollectionTask, pk)
        visit_due = task is not None and task.next_action == TaskAction.DUNNING_VISIT
        if request.method == "GET" and visit_due and task_in_scope(task):
            form.channel.data = ContactChannel.VISIT
        return form

    def aside(self, pk: int):
        """Whom the contact is with: the unit, the owner, the phone and what is owed today."""
        task = visible_or_none(db.session, CollectionTask, pk, scope=task_in_scope)
        if task is None:
            return None
        own = task.assignee_id == current_user().id
        today = business_date()
        return Markup(
            render_template(
                "collection/_task_summary.html",
                task=task,
                phone=task.phone if own or can_view_personal_data() else mask_phone(task.phone),
                owed=account_statement(db.session, task.unit_id, today).total_due,
                today=today,
                action_label=TaskAction(task.next_action).label,
            )
        )

    def operation(self, session, pk, form, actor):
        record_contact(
            session,
            pk,
            form.channel.data,
            form.outcome.data,
            form.promised_date.data,
            form.promised_amount.data,
            form.refusal_reason.data or "",
            form.note.data or "",
            actor=actor,
        )
        return gettext("Contact recorded."), url_for("MyTasksView.today")
