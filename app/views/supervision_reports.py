"""The supervision-check report screens (docs/domain.md §11): a month's report of a community
(or company-wide) rendered on demand, and the reports the monthly job stored."""

from io import BytesIO

from dateutil.relativedelta import relativedelta
from flask import abort, flash, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.domain.periods import month_start
from app.extensions import db
from app.models import SupervisionReport
from app.security.scoping import in_scope
from app.services.errors import DomainError
from reports.supervision import render, report_document

from .base import WuyeModelView
from .billing import BillingRunForm, month
from .columns import local_time
from .notices import pdf_link, send_pdf
from .row_actions import refusal_text


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
