"""The steps on a complaint's page (docs/domain.md §9): acknowledge, start work, resolve, the
return visit, reopen, a note, assign, and the mark as the reason for not paying. Every form
calls the follow-up service (``app.services.complaint_followups``) in one unit of work.
"""

from flask import url_for
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.domain import complaints as rules
from app.domain.complaints import Step
from app.services.complaint_followups import (
    add_note,
    assign,
    mark_nonpayment_reason,
    return_visit,
    take_step,
)
from app.services.complaints import WORKERS

from .collection import my_staff
from .row_actions import RowActionView


def note_field() -> TextAreaField:
    """A step's optional note: made where a form declares it, so that it keeps its place among
    the form's fields (WTForms orders fields by when they were made)."""
    return TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


# --- The steps -------------------------------------------------------------------------------


class NoteForm(DynamicForm):
    note = note_field()


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
    note = note_field()


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
    note = note_field()

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
    note = note_field()


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
