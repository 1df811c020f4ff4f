"""Billing screens: start a run (or a preview), the runs with their figures, bills and lines.

Bills are read-only here: runs write them, payments and waivers change them, each through its
service. The run form calls ``run_billing`` in one unit of work, like the API and the CLI.
"""

from functools import partial

from dateutil.relativedelta import relativedelta
from flask import abort, flash, redirect, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired

from app.clock import business_date
from app.domain.money import to_fen
from app.domain.periods import month_start, parse_month
from app.extensions import db, unit_of_work
from app.labels import LABELS, PERIOD_FORMAT
from app.models import Bill, BillingRun, BillLine, Community
from app.models.types import Basis, BillKind, BillStatus, FeeKind
from app.security.scoping import current_user, visible_community_ids
from app.services.billing import run_billing, run_billing_each
from app.services.bills import cancel_bill, reissue_bill
from app.services.errors import DomainError, NotFoundError
from app.services.search import row_matches
from reports import pdf_response
from reports.context import notice_context

from .base import WuyeModelView
from .columns import enum_select, local_time, yes_no
from .row_actions import RowActionView, refusal_text

READ_ONLY = {"list", "show"}  # runs write bills; payments and waivers change them
SHOWN_FAILURES = 200  # a preview lists this many units that would not be billed


def month(value) -> str:
    return f"{value:%Y-%m}" if value else ""


def community_or_all(value) -> str:
    return str(value) if value is not None else gettext("All communities")


def failures_table(failures) -> Markup:
    """The units a run did not bill, one row each (escaped: reasons are text)."""
    if not failures:
        return Markup("")
    row = Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>")
    rows = Markup("").join(row.format(f["community"], f["unit"], f["reason"]) for f in failures)
    head = Markup("<tr><th>{}</th><th>{}</th><th>{}</th></tr>").format(
        LABELS["community"], LABELS["unit"], gettext("Reason")
    )
    return Markup('<table class="table table-condensed">{}{}</table>').format(head, rows)


# --- starting a run ------------------------------------------------------------------------------


def community_choices() -> list[tuple[str, str]]:
    """The communities the user may bill, after "all" of them (the empty choice, as the CLI's
    default): every community for roles that see them all, else all of the user's."""
    ids = visible_community_ids()
    query = select(Community).order_by(Community.code)
    if ids is not None:
        query = query.where(Community.id.in_(ids))
    choices = [(str(c.id), f"{c.code} {c.name}") for c in db.session.scalars(query)]
    if ids is None:
        return [("", gettext("All communities")), *choices]
    if len(choices) > 1:
        return [("", gettext("All my communities (%(n)d)", n=len(choices))), *choices]
    return choices


def start_run(session, form: "BillingRunForm"):
    """The run (or preview) ``form`` asks for: one community, or all the user may bill."""
    period, actor = parse_month(form.period.data), current_user().username
    ids = visible_community_ids()
    if form.community.data or ids is None:
        community = int(form.community.data) if form.community.data else None
        return run_billing(session, period, community, dry_run=form.dry_run.data, actor=actor)
    return run_billing_each(session, period, list(ids), dry_run=form.dry_run.data, actor=actor)


def next_month() -> str:
    return month(month_start(business_date()) + relativedelta(months=1))


class BillingRunForm(DynamicForm):
    period = StringField(
        LABELS["period"],
        validators=[InputRequired()],
        default=next_month,
        description=PERIOD_FORMAT,
        render_kw={"type": "month", "placeholder": "YYYY-MM"},
    )
    community = SelectField(LABELS["community"], choices=[])
    dry_run = BooleanField(
        _l("Preview only"), description=_l("Show the figures without writing anything.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = community_choices()  # per user: scope decides

    def validate_period(self, field):
        if parse_month(field.data) is None:
            raise ValidationError(PERIOD_FORMAT)


class BillingRunFormView(BaseView):
    """Start a billing run; a preview shows its figures and writes nothing."""

    class_permission_name = "BillingRun"
    method_permission_name = {"start": "write"}
    default_view = "start"

    @expose("/start", methods=["GET", "POST"])
    @has_access
    def start(self):
        form = BillingRunForm()
        preview = None
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    result = start_run(session, form)
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                if not result.dry_run:
                    flash(summary(result), "success")
                    if result.run_id is None:  # a run for each community
                        return redirect(url_for("BillingRunView.list"))
                    return redirect(url_for("BillingRunView.show", pk=result.run_id))
                preview = result
        return self.render_template(
            "billing/run.html",
            title=_l("Start a billing run"),
            form=form,
            preview=preview,
            total=to_fen(preview.total) if preview else None,
            failures=preview.failed[:SHOWN_FAILURES] if preview else [],
            failures_table=failures_table,
        )


def summary(result) -> str:
    return gettext(
        "Billing run for %(period)s done: %(bills)d new bills, %(created)d lines, "
        "%(skipped)d already billed, %(failed)d units not billed, total ¥%(total)s.",
        period=month(result.period_start),
        bills=result.bills,
        created=result.created,
        skipped=result.skipped,
        failed=len(result.failed),
        total=to_fen(result.total),
    )


# --- runs, bills, lines --------------------------------------------------------------------------


class BillLineView(WuyeModelView):
    datamodel = SQLAInterface(BillLine)
    class_permission_name = "BillLine"
    base_permissions = ["can_read"]
    include_route_methods = READ_ONLY
    list_title = show_title = _l("Bill lines")
    enums = {"fee_kind": FeeKind, "basis": Basis}
    list_columns = [
        "name",
        "fee_kind",
        "basis",
        "area",
        "price",
        "months",
        "period_start",
        "period_end",
        "amount",
        "cancelled",
    ]
    show_columns = ["bill", "tariff", *list_columns]
    formatters_columns = {"cancelled": yes_no}
    base_order = ("id", "asc")


class BillView(WuyeModelView):
    datamodel = SQLAInterface(Bill)
    class_permission_name = "Bill"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "cancel": "write",
        "reissue": "write",
        "request_waiver": "read",  # the waiver form itself needs the right to request
        "notice": "read",
        "notice_pdf": "read",
    }
    base_permissions = ["can_read", "can_write"]
    include_route_methods = READ_ONLY | {"action", "action_post", "notice_pdf"}
    list_title = show_title = _l("Bills")
    enums = {"status": BillStatus, "kind": BillKind}
    list_columns = [
        "number",
        "community",
        "unit",
        "owner",
        "period_start",
        "due_date",
        "total",
        "paid",
        "balance",
        "status",
    ]
    text_search = staticmethod(partial(row_matches, Bill))
    search_columns = ["community", "unit", "period_start", "status", "due_date", "number", "kind"]
    search_form_extra_fields = {
        "status": enum_select(LABELS["status"], BillStatus),
        "kind": enum_select(LABELS["kind"], BillKind),
    }
    show_fieldsets = [
        (
            _l("Bill"),
            {
                "fields": [
                    "number",
                    "community",
                    "unit",
                    "owner",
                    "period_start",
                    "period_end",
                    "due_date",
                    "status",
                    "kind",
                    "run",
                ]
            },
        ),
        (_l("Amounts"), {"fields": ["total", "paid", "waived", "late_fee", "balance"]}),
        (
            _l("History"),
            {"fields": ["issued_at", "noticed_at", "cancelled_at", "cancel_reason"]},
        ),
    ]
    formatters_columns = {
        "issued_at": local_time,
        "noticed_at": local_time,
        "cancelled_at": local_time,
    }
    related_views = [BillLineView]
    base_order = ("id", "desc")

    def offered_actions(self, item) -> set[str]:
        """A waiver is requested by who may request one (the Waiver resource's write)."""
        offered = set(self.actions)
        if not self.appbuilder.sm.has_access("can_write", "Waiver"):
            offered.discard("request_waiver")
        return offered

    @action("cancel", _l("Cancel"), "", "fa-ban", multiple=False)
    def cancel(self, item):
        return redirect(url_for("CancelBillView.confirm", pk=item.id))

    @action("reissue", _l("Re-issue"), "", "fa-redo", multiple=False)
    def reissue(self, item):
        return redirect(url_for("ReissueBillView.confirm", pk=item.id))

    @action("request_waiver", _l("Request a waiver"), "", "fa-hand-holding-usd", multiple=False)
    def request_waiver(self, item):
        return redirect(url_for("RequestWaiverView.confirm", pk=item.id))

    @action("notice", _l("Payment notice"), "", "fa-print", multiple=False)
    def notice(self, item):
        return redirect(url_for("BillView.notice_pdf", pk=item.id))

    @expose("/notice/<int:pk>")
    @has_access
    def notice_pdf(self, pk: int):
        """The bill's payment notice as a PDF, late fees to today."""
        try:
            return pdf_response("notice.html", notice_context(db.session, pk))
        except NotFoundError:
            abort(404)
        except DomainError as err:
            flash(refusal_text(err), "danger")
            return redirect(url_for("BillView.show", pk=pk))


class CancelBillView(RowActionView):
    class_permission_name = "Bill"
    method_permission_name = {"confirm": "write"}
    title = _l("Cancel a bill")
    intro = _l("What was paid on the bill becomes the unit's credit; the bill stays on record.")
    submit = _l("Cancel the bill")
    back_endpoint = "BillView.show"

    def operation(self, session, pk, form, actor):
        cancel_bill(session, pk, form.reason.data, actor)
        return gettext("The bill is cancelled."), url_for("BillView.show", pk=pk)


class ReissueBillView(CancelBillView):
    title = _l("Re-issue a bill")
    intro = _l(
        "The bill is cancelled and the unit billed again for the same period with "
        "today's data; its credit pays the new bill."
    )
    submit = _l("Re-issue")

    def operation(self, session, pk, form, actor):
        new = reissue_bill(session, pk, form.reason.data, actor)
        return (
            gettext("Re-issued as %(number)s.", number=new.number),
            url_for("BillView.show", pk=new.id),
        )


class BillingRunView(WuyeModelView):
    datamodel = SQLAInterface(BillingRun)
    class_permission_name = "BillingRun"
    base_permissions = ["can_read"]
    include_route_methods = READ_ONLY
    list_title = show_title = _l("Billing runs")
    list_columns = [
        "period_start",
        "community",
        "started_at",
        "started_by",
        "bills",
        "created",
        "skipped",
        "failed",
        "total",
    ]
    search_columns = ["period_start", "community", "started_by"]
    show_fieldsets = [
        (
            _l("Billing run"),
            {
                "fields": [
                    "period_start",
                    "community",
                    "started_at",
                    "finished_at",
                    "started_by",
                ]
            },
        ),
        (_l("Figures"), {"fields": ["bills", "created", "skipped", "failed", "total"]}),
        (_l("Units not billed"), {"fields": ["failures"]}),
    ]
    formatters_columns = {
        "period_start": month,
        "community": community_or_all,
        "started_at": local_time,
        "finished_at": local_time,
        "failures": failures_table,
    }
    related_views = [BillView]
    base_order = ("id", "desc")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns["period_start"] = LABELS["period"]  # a run bills one month
