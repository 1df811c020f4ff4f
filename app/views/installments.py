"""Installment agreement screens (docs/domain.md §8): customer service drafts one for a unit, prints
it, attaches the signed scan or cancels it; a manager approves or rejects it. The list and the
agreement's page (its bills and schedule with what has been paid) are scoped to the user's
communities. Each form calls one service in one unit of work, like the API.
"""

from flask import abort, flash, redirect, send_file, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.domain.installments import MAX_INSTALMENTS
from app.extensions import db, unit_of_work
from app.files import stored_file
from app.labels import LABELS
from app.models import Bill, InstallmentAgreement
from app.models.installments import InstallmentKind, InstallmentStatus, instalment_label
from app.security.scoping import current_user
from app.services.errors import DomainError, NotFoundError
from app.services.installment_figures import installment_progress
from app.services.installments import (
    MAX_SCAN_BYTES,
    approve_installment,
    attach_scan,
    cancel_installment,
    draft_installment,
    get_installment,
    next_steps,
    reject_installment,
)
from reports import pdf_response
from reports.context import installment_agreement_context

from .base import WuyeModelView
from .columns import enum_select, local_time
from .forms import DecisionForm
from .payments import UnitForm
from .row_actions import RowActionView, refusal_text

PERMISSION = "InstallmentAgreement"


class DraftForm(UnitForm):
    kind = enum_select(LABELS["kind"], InstallmentKind)
    bills = StringField(
        LABELS["bill_ids"],
        validators=[Optional()],
        description=_l(
            "Bill numbers, separated by spaces or commas; empty: every bill overdue on the "
            "agreement's date."
        ),
    )
    agreed_on = DateField(
        LABELS["agreed_on"], validators=[Optional()], description=_l("Empty: today.")
    )
    down_payment = StringField(
        LABELS["down_payment"], validators=[Optional()], render_kw={"inputmode": "decimal"}
    )
    instalments = IntegerField(
        LABELS["instalments"],
        validators=[InputRequired(), NumberRange(1, MAX_INSTALMENTS)],
        default=3,
        description=_l("Equal monthly amounts; the last takes the remainder. A deferral: 1."),
    )
    first_due = DateField(LABELS["first_due"], validators=[InputRequired()])

    def bill_ids(self) -> list[int]:
        """The bills named, by number.

        :raises DomainError: for a number that names no bill.
        """
        numbers = list(dict.fromkeys((self.bills.data or "").replace(",", " ").split()))
        found = dict(
            db.session.execute(select(Bill.number, Bill.id).where(Bill.number.in_(numbers))).all()
        )
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise DomainError(
                bill_ids=_l("Unknown bill number: %(numbers)s.", numbers=", ".join(unknown))
            )
        return [found[n] for n in numbers]


class InstallmentDraftFormView(BaseView):
    """Draft an agreement for a unit's overdue bills; it is then printed and signed."""

    class_permission_name = PERMISSION
    method_permission_name = {"draft": "write"}
    default_view = "draft"

    @expose("/draft", methods=["GET", "POST"])
    @has_access
    def draft(self):
        form = DraftForm()
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    agreement = draft_installment(
                        session,
                        form.unit_id(),
                        form.bill_ids(),
                        kind=form.kind.data,
                        agreed_on=form.agreed_on.data,
                        down_payment=form.down_payment.data,
                        count=form.instalments.data,
                        first_due=form.first_due.data,
                        actor=current_user().username,
                    )
                    pk, number = agreement.id, agreement.number
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                flash(
                    gettext(
                        "Agreement %(number)s drafted: print it for signing, then attach the "
                        "signed scan.",
                        number=number,
                    ),
                    "success",
                )
                return redirect(url_for("InstallmentAgreementView.show", pk=pk))
        return self.render_template(
            "form.html",
            title=_l("Draft an installment agreement"),
            intro=_l(
                "The agreement covers the unit's overdue bills; it takes effect when a manager "
                "approves it with the signed scan attached."
            ),
            form=form,
            action=url_for("InstallmentDraftFormView.draft"),
            submit=_l("Draft"),
            back=url_for("InstallmentAgreementView.list"),
        )


class ScanForm(DynamicForm):
    file = FileField(
        LABELS["signed_scan"],
        validators=[FileRequired()],
        description=_l("PDF, JPEG or PNG, at most %(mb)d MB.", mb=MAX_SCAN_BYTES >> 20),
    )


class AttachScanView(RowActionView):
    class_permission_name = PERMISSION
    method_permission_name = {"confirm": "write"}
    form_class = ScanForm
    title = _l("Attach the signed agreement")
    submit = _l("Attach")
    back_endpoint = "InstallmentAgreementView.show"

    def operation(self, session, pk, form, actor):
        attach_scan(session, pk, form.file.data.read(MAX_SCAN_BYTES + 1))
        return gettext("Signed scan attached."), url_for("InstallmentAgreementView.show", pk=pk)


class InstallmentDecisionView(RowActionView):
    class_permission_name = PERMISSION
    method_permission_name = {"confirm": "approve"}
    form_class = DecisionForm
    back_endpoint = "InstallmentAgreementView.show"
    decide = done = None

    def operation(self, session, pk, form, actor):
        self.decide(session, pk, actor, form.reason.data or "")
        return str(self.done), url_for("InstallmentAgreementView.show", pk=pk)


class ApproveInstallmentView(InstallmentDecisionView):
    title = _l("Approve an installment agreement")
    intro = _l("The agreement becomes active; the unit's dunning pauses while it is on track.")
    submit = _l("Approve")
    decide = staticmethod(approve_installment)
    done = _l("Agreement approved.")


class RejectInstallmentView(InstallmentDecisionView):
    title = _l("Reject an installment agreement")
    intro = _l("Say why; the bills are free for another draft.")
    submit = _l("Reject")
    decide = staticmethod(reject_installment)
    done = _l("Agreement rejected.")


class CancelInstallmentView(InstallmentDecisionView):
    method_permission_name = {"confirm": "write"}
    title = _l("Cancel a draft agreement")
    intro = _l("Say why (the owner did not sign, the plan changed).")
    submit = _l("Cancel the draft")
    decide = staticmethod(cancel_installment)
    done = _l("Draft cancelled.")


class InstallmentAgreementView(WuyeModelView):
    datamodel = SQLAInterface(InstallmentAgreement)
    class_permission_name = PERMISSION
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "pdf": "read",
        "signed": "read",
        "attach": "write",
        "cancel": "write",
        "approve": "approve",
        "reject": "approve",
    }
    base_permissions = ["can_read", "can_write", "can_approve"]
    include_route_methods = {"list", "show", "action", "action_post", "pdf", "signed"}
    show_template = "installments/agreement.html"
    list_title = show_title = _l("Installment agreements")
    enums = {"kind": InstallmentKind, "status": InstallmentStatus}
    list_columns = [
        "number",
        "community",
        "unit",
        "owner",
        "kind",
        "status",
        "agreed_on",
        "covered_total",
        "drafted_by",
        "decided_by",
    ]
    show_columns = [
        *list_columns,
        "all_arrears",
        "grace_days",
        "drafted_at",
        "decided_at",
        "decision_note",
        "ended_on",
    ]
    search_columns = ["community", "unit", "kind", "status", "agreed_on", "drafted_by"]
    formatters_columns = {
        "drafted_at": local_time,
        "decided_at": local_time,
        "all_arrears": lambda v: gettext("Yes") if v else gettext("No"),
    }
    base_order = ("id", "desc")

    def render_template(self, template, **kwargs):
        """The agreement's page gets its bills and its schedule with what has been paid."""
        if template == self.show_template:  # FAB's show found it in the user's communities
            agreement = db.session.get(InstallmentAgreement, int(kwargs["pk"]))
            progress = installment_progress(db.session, agreement)
            kwargs.update(agreement=agreement, progress=progress, label=instalment_label)
        return super().render_template(template, **kwargs)

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk: int):
        """The agreement as a PDF, to print and sign."""
        try:
            context = installment_agreement_context(db.session, pk)
        except NotFoundError:
            abort(404)
        return pdf_response("installment_agreement.html", context)

    @expose("/signed/<int:pk>")
    @has_access
    def signed(self, pk: int):
        """The signed agreement as scanned."""
        try:
            agreement = get_installment(db.session, pk)
        except NotFoundError:
            abort(404)
        path = stored_file(agreement.signed_scan)
        if path is None or not path.is_file():
            abort(404)
        return send_file(path, download_name=path.name)

    def offered_actions(self, item) -> set[str]:
        """A draft is signed, then approved or rejected, or cancelled; nothing after that (the
        agreement's PDF is the page's own button)."""
        return next_steps(item)

    @action("attach", _l("Attach the signed scan"), "", "fa-paperclip", multiple=False)
    def attach(self, item):
        return redirect(url_for("AttachScanView.confirm", pk=item.id))

    @action("approve", _l("Approve"), "", "fa-check", multiple=False)
    def approve(self, item):
        return redirect(url_for("ApproveInstallmentView.confirm", pk=item.id))

    @action("reject", _l("Reject"), "", "fa-times", multiple=False)
    def reject(self, item):
        return redirect(url_for("RejectInstallmentView.confirm", pk=item.id))

    @action("cancel", _l("Cancel the draft"), "", "fa-ban", multiple=False)
    def cancel(self, item):
        return redirect(url_for("CancelInstallmentView.confirm", pk=item.id))
