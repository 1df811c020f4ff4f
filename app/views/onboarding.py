"""导入资料 (docs/domain.md §14): the administrator downloads the template, uploads the company's
spreadsheet, reads the report, then confirms: the same file, kept meanwhile under
``WUYE_FILES_DIR/onboarding/<sha256>``, is written all at once (``app.onboarding``)."""

import hashlib
import re
from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app.domain import onboarding as rules
from app.domain.onboarding_files import write_template
from app.files import stored_file, write_file
from app.onboarding import MAX_BYTES, run_onboarding, shown

KEPT = re.compile(r"^[0-9a-f]{64}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OnboardingForm(DynamicForm):
    file = FileField(
        _l("Spreadsheet"),
        validators=[FileRequired()],
        description=_l("The template filled in (XLSX), or one sheet of it as CSV."),
    )
    sheet = SelectField(
        _l("Sheet of a CSV file"),
        choices=[],
        default="",
        description=_l("Only for a CSV file: which sheet it holds."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet.choices = [("", "—")] + [(s.zh, s.zh) for s in rules.SHEETS.values()]


class OnboardingView(BaseView):
    """Moving in: check a spreadsheet, then write it all or nothing."""

    route_base = "/onboarding"
    class_permission_name = "Onboarding"
    method_permission_name = {"check": "write", "confirm": "write", "template": "write"}
    default_view = "check"

    @expose("/template")
    @has_access
    def template(self):
        titles = {key: sheet.zh for key, sheet in rules.SHEETS.items()}
        data = write_template(rules.template_rows(), titles)
        return send_file(
            BytesIO(data), mimetype=XLSX, as_attachment=True, download_name="导入模板.xlsx"
        )

    @expose("/", methods=["GET", "POST"])
    @has_access
    def check(self):
        form = OnboardingForm()
        report = kept = None
        if form.validate_on_submit():
            data = form.file.data.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                flash(gettext("The file is larger than %(mb)d MB.", mb=MAX_BYTES >> 20), "danger")
            else:
                report, _written = run_onboarding(
                    data, form.file.data.filename or "", False, form.sheet.data or None
                )
                kept = hashlib.sha256(data).hexdigest()
                if report.ok:
                    write_file(f"onboarding/{kept}", data)
        return self._page(form, report, kept)

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        kept = request.form.get("kept", "")
        path = stored_file(f"onboarding/{kept}") if KEPT.match(kept) else None
        if path is None or not path.exists():
            abort(404)
        report, written = run_onboarding(
            path.read_bytes(), kept[:12], True, request.form.get("sheet") or None
        )
        if not written:  # the database changed since the check
            return self._page(OnboardingForm(), report, None)
        path.unlink(missing_ok=True)
        flash(gettext("Imported: %(changes)s.", changes=_changes(report)), "success")
        return redirect(url_for("OnboardingView.check"))

    def _page(self, form, report, kept):
        return self.render_template(
            "onboarding/check.html",
            title=_l("Moving in"),
            form=form,
            report=report,
            kept=kept if report is not None and report.ok else None,
            changes=_changes(report) if report is not None else "",
            problems=[shown(p) for p in report.problems[:500]] if report is not None else [],
            sheet_names={key: sheet.zh for key, sheet in rules.SHEETS.items()},
        )


def _changes(report) -> str:
    """What a report creates and updates, in words."""
    kinds = {
        "buildings": gettext("buildings"),
        "units": gettext("units"),
        "owners": gettext("owners"),
        "ownerships": gettext("paying owners"),
        "bills": gettext("opening arrears bills"),
        "prepaid": gettext("prepaid amounts"),
    }
    parts = [
        f"{action} {kinds.get(kind, kind)} {n}"
        for action, changed in (
            (gettext("created"), report.created),
            (gettext("updated"), report.updated),
        )
        for kind, n in changed.items()
    ]
    return "，".join(parts) or gettext("nothing to change")
