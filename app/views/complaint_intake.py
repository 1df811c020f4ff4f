"""Complaint intake (docs/domain.md §9): the intake form, fast enough for a phone call (the unit
found by its code or its owner's name as one types), and the complaint a refused collection
contact calls for. Every form calls the complaints service in one unit of work.
"""

from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.audit import record
from app.clock import business_date, business_zone
from app.domain.masking import mask_phone
from app.extensions import db, unit_of_work
from app.models.complaints import ComplaintCategory, ComplaintChannel
from app.security.personal import can_view_personal_data
from app.security.scoping import current_user
from app.services.complaints import WORKERS, log_complaint, open_from_task
from app.services.errors import DomainError
from app.services.search import find_units

from .collection import my_staff
from .columns import enum_select, local_time
from .row_actions import RowActionView, refusal_text

SEARCH_LIMIT = 20


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
