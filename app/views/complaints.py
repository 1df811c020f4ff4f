"""Complaint screens (docs/domain.md §9): the intake form, fast enough for a phone call (the unit
found by its code or its owner's name as one types), the list with its overdue flags and filters,
the overdue list, and each complaint's page with its follow-up log and the steps its status
allows. The overdue flags are computed when a page reads them (``Complaint.overdue_at`` at
``read_at``; filtered in SQL by ``app.services.complaint_flags``). Every form calls the
complaints service in one unit of work.
"""

from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.audit import record
from app.clock import business_date, business_zone, read_at
from app.domain import complaints as rules
from app.domain.complaints import Step
from app.domain.masking import mask_phone
from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import Complaint
from app.models.complaints import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    EntryAction,
)
from app.security import (
    ASSIGN,
    SCOPED,
    WRITE,
    can_view_personal_data,
    current_user,
    has_permission,
)
from app.services.complaint_flags import ComplaintInterface, overdue_now
from app.services.complaints import (
    WORKERS,
    add_note,
    assign,
    find_units,
    log_complaint,
    mark_nonpayment_reason,
    open_from_task,
    return_visit,
    take_step,
)
from app.services.errors import DomainError

from .base import RowActionView, WuyeModelView, enum_select, local_time, refusal_text, yes_no
from .collection import my_staff

SEARCH_LIMIT = 20
NOTE = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


def unit_matches(text: str) -> list[dict]:
    """Units matching ``text`` for the intake form, phones masked unless the user may see
    them (a reveal is recorded)."""
    matches = find_units(db.session, text, business_date(), SEARCH_LIMIT)
    reveal = can_view_personal_data()
    owners = [m.owner_id for m in matches if m.owner_id is not None and m.phone]
    if reveal and owners:
        with unit_of_work() as session:
            record(session, "reveal", "owner", details={"ids": owners, "fields": ["phone"]})
    return [
        {
            "unit_id": m.unit_id,
            "unit": m.unit,
            "community": m.community,
            "owner_id": m.owner_id,
            "owner": m.owner,
            "phone": m.phone if reveal else mask_phone(m.phone),
        }
        for m in matches
    ]


class IntakeForm(DynamicForm):
    search = StringField(
        _l("Unit or owner"),
        validators=[Optional(), Length(max=100)],
        description=_l("Type the unit code or the owner's name, then pick the unit."),
    )
    unit = HiddenField()
    owner = HiddenField()
    channel = enum_select(_l("Channel"), ComplaintChannel)
    category = enum_select(_l("Category"), ComplaintCategory)
    description = TextAreaField(
        _l("What the complaint is about"), validators=[InputRequired(), Length(max=2000)]
    )
    received_at = DateTimeLocalField(
        _l("Received at"),
        validators=[Optional()],
        description=_l("Leave empty for now (a letter or message received earlier: its time)."),
    )
    assignee = SelectField(_l("Assign to"), choices=[], validators=[Optional()])
    nonpayment_reason = BooleanField(_l("The owner gives it as the reason for not paying"))


class ComplaintIntakeView(BaseView):
    """Take a complaint down in one form."""

    route_base = "/complaints/new"
    class_permission_name = "Complaint"
    method_permission_name = {"intake": "write", "units": "read"}
    default_view = "intake"

    def _unit(self, form) -> tuple[str, str]:
        """The chosen unit and owner; without a choice, the only unit the search text finds."""
        if form.unit.data or not form.search.data:
            return form.unit.data, form.owner.data
        matches = find_units(db.session, form.search.data, business_date(), 2)
        if len(matches) == 1:
            return str(matches[0].unit_id), ""
        return "", ""

    @expose("/", methods=["GET", "POST"])
    @has_access
    def intake(self):
        form = IntakeForm()
        form.assignee.choices = [("", "—"), *my_staff(WORKERS)]
        if request.method == "GET":
            form.channel.data = ComplaintChannel.PHONE
        if form.validate_on_submit():
            unit_id, owner_id = self._unit(form)
            received = form.received_at.data
            try:
                with unit_of_work() as session:
                    complaint = log_complaint(
                        session,
                        unit_id,
                        form.channel.data,
                        form.category.data,
                        form.description.data,
                        owner_id=owner_id or None,
                        received_at=received.replace(tzinfo=business_zone()) if received else None,
                        assignee_id=form.assignee.data or None,
                        nonpayment_reason=form.nonpayment_reason.data,
                        actor=current_user().username,
                    )
                    message = gettext(
                        "Complaint #%(id)d logged: respond by %(respond)s, resolve by %(day)s.",
                        id=complaint.id,
                        respond=local_time(complaint.respond_by),
                        day=complaint.resolve_by.isoformat(),
                    )
                    pk = complaint.id
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                flash(message, "success")
                return redirect(url_for("ComplaintView.show", pk=pk))
        return self.render_template(
            "complaints/intake.html",
            title=_l("Log a complaint"),
            form=form,
            submit=_l("Log the complaint"),
            action=url_for("ComplaintIntakeView.intake"),
            search_url=url_for("ComplaintIntakeView.units"),
        )

    @expose("/units")
    @has_access
    def units(self):
        """JSON: the units of the user's communities whose code or owner's name contains
        ``q`` (at least 2 characters), with the owner."""
        return jsonify(unit_matches(request.args.get("q", "")))


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
        }


class OverdueComplaintView(ComplaintView):
    """Unresolved complaints past their first-response or resolution deadline, now."""

    list_title = _l("Overdue complaints")
    base_filters = [*SCOPED, ["id", OverdueNow, None]]
    base_order = ("resolve_by", "asc")


# --- The steps -------------------------------------------------------------------------------


class NoteForm(DynamicForm):
    note = NOTE


class ComplaintStepView(RowActionView):
    """One step of a complaint (pk: the complaint), with a note."""

    class_permission_name = "Complaint"
    method_permission_name = {"confirm": "write"}
    form_class = NoteForm
    back_endpoint = "ComplaintView.show"
    step: Step
    done = ""

    def operation(self, session, pk, form, actor):
        take_step(session, pk, self.step, form.note.data, actor)
        return str(self.done), url_for("ComplaintView.show", pk=pk)


class AcknowledgeComplaintView(ComplaintStepView):
    step = Step.ACKNOWLEDGE
    title = submit = _l("Acknowledge")
    intro = _l("The first response to the owner: the complaint is received and being handled.")
    done = _l("Complaint acknowledged.")


class StartComplaintView(ComplaintStepView):
    step = Step.START
    title = submit = _l("Start work")
    done = _l("Work started.")


class ResolveComplaintView(ComplaintStepView):
    step = Step.RESOLVE
    title = submit = _l("Resolve")
    intro = _l("Say what was done; the return visit follows.")
    done = _l("Complaint resolved: the return visit is due.")


class ReopenComplaintView(ComplaintStepView):
    step = Step.REOPEN
    title = submit = _l("Reopen")
    intro = _l("Say why; the resolution deadline counts again from today.")
    done = _l("Complaint reopened.")


class NoteComplaintView(ComplaintStepView):
    title = _l("Add a note")
    submit = _l("Add")
    intro = _l("A follow-up (a call made, a repair booked); the status stays.")

    def operation(self, session, pk, form, actor):
        add_note(session, pk, form.note.data, actor)
        return gettext("Note added."), url_for("ComplaintView.show", pk=pk)


class ReturnVisitForm(DynamicForm):
    score = RadioField(
        _l("Owner's satisfaction (1 very dissatisfied – 5 very satisfied)"),
        choices=[SelectChoice(str(n), str(n)) for n in rules.SCORES],
        validators=[InputRequired()],
    )
    note = NOTE


class ReturnVisitView(ComplaintStepView):
    form_class = ReturnVisitForm
    title = submit = _l("Return visit")
    intro = _l("Ask the owner whether the problem is solved and how satisfied they are.")

    def operation(self, session, pk, form, actor):
        return_visit(session, pk, form.score.data, form.note.data, actor)
        return gettext("Return visit recorded: complaint closed."), url_for(
            "ComplaintView.show", pk=pk
        )


class AssignForm(DynamicForm):
    assignee = SelectField(_l("Assign to"), choices=[], validators=[InputRequired()])
    note = NOTE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = my_staff(WORKERS)


class AssignComplaintView(ComplaintStepView):
    method_permission_name = {"confirm": "assign"}
    form_class = AssignForm
    title = submit = _l("Assign")

    def operation(self, session, pk, form, actor):
        complaint = assign(session, pk, form.assignee.data, form.note.data, actor)
        return gettext("Assigned to %(user)s.", user=complaint.assignee.username), url_for(
            "ComplaintView.show", pk=pk
        )


class ReasonForm(DynamicForm):
    marked = RadioField(
        _l("Reason for not paying"),
        choices=[
            SelectChoice("1", _l("The owner does not pay because of this complaint")),
            SelectChoice("0", _l("Not the reason (clear the mark)")),
        ],
        validators=[InputRequired()],
    )
    note = NOTE


class NonPaymentReasonView(ComplaintStepView):
    form_class = ReasonForm
    title = submit = _l("Reason for not paying")
    intro = _l(
        "While an open complaint is marked as the reason, dunning of the unit does not go "
        "beyond a friendly reminder: fix the service first."
    )

    def operation(self, session, pk, form, actor):
        marked = form.marked.data == "1"
        mark_nonpayment_reason(session, pk, marked, form.note.data, actor)
        message = (
            gettext("Marked as the reason for not paying.") if marked else gettext("Mark cleared.")
        )
        return message, url_for("ComplaintView.show", pk=pk)


# --- From a refused collection contact -------------------------------------------------------


class FromTaskForm(DynamicForm):
    category = enum_select(_l("Category"), ComplaintCategory)
    channel = enum_select(_l("Channel"), ComplaintChannel)
    description = TextAreaField(
        _l("What the complaint is about"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Empty: the reason the owner gave for refusing."),
    )


class ComplaintFromTaskView(RowActionView):
    """Open the complaint a refused collection contact calls for (pk: the task)."""

    class_permission_name = "Complaint"
    method_permission_name = {"confirm": "write"}
    form_class = FromTaskForm
    title = submit = _l("Open the complaint")
    intro = _l(
        "The owner refused to pay because of a facility or the service: the complaint is "
        "opened for the task's unit and owner, marked as the reason for not paying."
    )
    back_endpoint = "CollectionTaskView.show"

    def operation(self, session, pk, form, actor):
        complaint = open_from_task(
            session, pk, form.category.data, form.description.data, form.channel.data, actor
        )
        message = gettext("Complaint #%(id)d opened.", id=complaint.id)
        return message, url_for("ComplaintView.show", pk=complaint.id)
