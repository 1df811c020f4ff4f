"""Cashier screens: record a payment, reverse one, and the payment and receipt lists.

Payments are never edited or deleted here: the forms call ``record_payment`` and
``reverse_payment`` in one unit of work, like the API.
"""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.clock import business_date, business_zone
from app.domain.masking import mask_phone
from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import Building, Payment, Receipt, Unit
from app.models.types import PaymentMethod
from app.security.scoping import current_user
from app.services.accounts import account_statement
from app.services.errors import DomainError, NotFoundError
from app.services.payments import record_payment, reverse_payment
from app.services.queries import whole_number
from app.services.search import UnitMatch, find_units, row_matches
from reports import pdf_response
from reports.context import receipt_context

from .base import WuyeModelView
from .columns import enum_label, enum_select, local_time, yes_no
from .forms import my_communities
from .row_actions import RowActionView, refusal_text

READ_ONLY = {"list", "show"}


class UnitForm(DynamicForm):
    """A form that names a unit by community and unit code, as staff know it."""

    community = SelectField(LABELS["community"], choices=[], validators=[InputRequired()])
    unit_code = StringField(
        LABELS["unit"],
        validators=[InputRequired(), Length(max=32)],
        description=_l("The unit code, e.g. 3-2-101."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = my_communities()

    def unit_id(self) -> int:
        """The unit named, or -1 (an unknown unit, refused by the service)."""
        community = whole_number(self.community.data)
        if community is None or not self.unit_code.data:
            return -1
        found = db.session.scalar(
            select(Unit.id)
            .join(Building)
            .where(
                Building.community_id == community,
                Unit.code == self.unit_code.data.strip(),
            )
        )
        return -1 if found is None else found


#: The most units a lookup lists to pick from.
LOOKUP_LIMIT = 20


def look_up(form: UnitForm) -> list[UnitMatch] | None:
    """The units the till's lookup (``?find=``: a unit code, an owner's name or a phone's
    last digits) finds, None without one; the only one found fills ``form``'s unit."""
    text = request.args.get("find", "").strip()[:100]
    if request.method != "GET" or not text:
        return None
    matches = find_units(db.session, text, business_date(), LOOKUP_LIMIT)
    if len(matches) == 1:
        form.community.data = str(matches[0].community_id)
        form.unit_code.data = matches[0].unit
    return matches


def owed_aside(form: UnitForm, lookup_url: str, matches: list[UnitMatch] | None) -> Markup:
    """Beside the till: look a unit up (``matches``: what the lookup found), and what the unit
    owes today (its open bills, its credit)."""
    statement = None
    if form.unit_code.data:
        try:
            statement = account_statement(db.session, form.unit_id(), business_date())
        except NotFoundError:
            statement = False  # no such unit in the user's communities
    return Markup(
        render_template(
            "payments/_owed.html",
            form=form,
            statement=statement,
            lookup_url=lookup_url,
            find=request.args.get("find", "")[:100],
            matches=matches,
            mask_phone=mask_phone,
        )
    )


def book_payment(call):
    """Run ``call(session)`` (a service booking a payment) in one unit of work; on success
    flash the receipt number and go to the receipt, on refusal flash why and return None."""
    try:
        with unit_of_work() as session:
            result = call(session)
            receipt_id = result.payment.receipt.id
            message = gettext(
                "Payment recorded: receipt %(number)s; credit now ¥%(credit)s.",
                number=result.receipt_number,
                credit=result.credit,
            )
    except DomainError as err:
        flash(refusal_text(err), "danger")
        return None
    flash(message, "success")
    return redirect(url_for("ReceiptView.show", pk=receipt_id))


class RecordPaymentForm(UnitForm):
    amount = StringField(
        _l("Amount (¥)"), validators=[InputRequired()], render_kw={"inputmode": "decimal"}
    )
    method = SelectField(
        _l("Payment method"),
        choices=lambda: [c for c in PaymentMethod.choices() if c[0] in PaymentMethod.taken()],
        validators=[InputRequired()],
    )
    reference = StringField(
        _l("Reference"),
        validators=[Optional(), Length(max=100)],
        description=_l("The bank, WeChat or Alipay transaction number."),
    )
    paid_at = DateTimeLocalField(
        _l("Paid at"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("Empty: now."),
    )


class RecordPaymentFormView(BaseView):
    """The cashier's till: one payment, allocated and receipted at once."""

    class_permission_name = "Payment"
    method_permission_name = {"record": "write"}
    default_view = "record"

    @expose("/record", methods=["GET", "POST"])
    @has_access
    def record(self):
        form = RecordPaymentForm()
        if request.method == "GET" and request.args.get("unit_code"):  # a unit looked up
            form.community.data = request.args.get("community")
            form.unit_code.data = request.args.get("unit_code", "")[:32]
        matches = look_up(form)
        if form.validate_on_submit():
            paid_at = (
                form.paid_at.data.replace(tzinfo=business_zone()) if form.paid_at.data else None
            )
            booked = book_payment(
                lambda session: record_payment(
                    session,
                    form.unit_id(),
                    form.amount.data,
                    form.method.data,
                    form.reference.data,
                    paid_at,
                    actor=current_user().username,
                )
            )
            if booked is not None:
                return booked
        return self.render_template(
            "form.html",
            title=_l("Record a payment"),
            form=form,
            aside=owed_aside(form, url_for("RecordPaymentFormView.record"), matches),
            action=url_for("RecordPaymentFormView.record"),
            submit=_l("Record and issue the receipt"),
            back=url_for("PaymentView.list"),
        )


class ReversePaymentFormView(RowActionView):
    class_permission_name = "Payment"
    method_permission_name = {"confirm": "write"}
    title = _l("Reverse a payment")
    intro = _l(
        "A reversal undoes the payment's allocations and voids its receipt; "
        "the payment itself stays on record."
    )
    submit = _l("Reverse")
    back_endpoint = "PaymentView.show"

    def operation(self, session, pk, form, actor):
        reverse_payment(session, pk, form.reason.data, actor=actor)
        return (
            gettext("The payment is reversed and its receipt void."),
            url_for("PaymentView.show", pk=pk),
        )


class PaymentView(WuyeModelView):
    datamodel = SQLAInterface(Payment)
    class_permission_name = "Payment"
    method_permission_name = {**WuyeModelView.method_permission_name, "reverse": "write"}
    base_permissions = ["can_read", "can_write"]
    include_route_methods = READ_ONLY | {"action", "action_post"}
    list_title = show_title = _l("Payments")
    enums = {"method": PaymentMethod}
    list_columns = [
        "paid_at",
        "community",
        "unit",
        "owner",
        "kind",
        "method",
        "reference",
        "amount",
        "recorded_by",
        "receipt",
    ]
    show_columns = [*list_columns, "recorded_at", "reverses_id", "reason"]
    text_search = staticmethod(partial(row_matches, Payment))
    search_columns = ["community", "unit", "kind", "method", "reference", "paid_at", "recorded_by"]
    search_form_extra_fields = {"method": enum_select(LABELS["method"], PaymentMethod)}
    formatters_columns = {
        "paid_at": local_time,
        "recorded_at": local_time,
        "kind": lambda k: gettext("Reversal") if k == "reversal" else gettext("Payment"),
    }
    base_order = ("id", "desc")

    @action("reverse", _l("Reverse"), "", "fa-undo", multiple=False)
    def reverse(self, item):
        return redirect(url_for("ReversePaymentFormView.confirm", pk=item.id))


class ReceiptView(WuyeModelView):
    datamodel = SQLAInterface(Receipt)
    class_permission_name = "Receipt"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "print_pdf": "read",  # the action (FAB keys actions by method name)
        "pdf": "read",
    }
    base_permissions = ["can_read"]
    include_route_methods = READ_ONLY | {"action", "pdf"}
    list_title = show_title = _l("Receipts")
    list_columns = ["number", "community", "payment", "issued_at", "void"]
    show_columns = [*list_columns, "void_reason"]
    search_columns = ["number", "community", "issued_at", "void"]
    formatters_columns = {
        "issued_at": local_time,
        "void": yes_no,
        "payment": lambda p: f"{p.unit} ¥{p.amount} {enum_label(PaymentMethod)(p.method)}",
    }
    base_order = ("id", "desc")

    @action("print", _l("Print"), "", "fa-print", multiple=False)
    def print_pdf(self, item):
        return redirect(url_for("ReceiptView.pdf", pk=item.id))

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk: int):
        """The receipt as a PDF, for printing."""
        try:
            return pdf_response("receipt.html", receipt_context(db.session, pk))
        except NotFoundError:
            abort(404)
