"""Moving in through the API (docs/domain.md §14): ``POST /api/v1/onboarding/import``, Admin's.

The multipart ``file`` (XLSX; a CSV file names its ``sheet``) is checked and, with ``commit``
true and no problem, written all at once; the answer is the report either way (200), its
problems by sheet, row and column."""

from dataclasses import asdict

from flask import request
from flask_appbuilder.api import BaseApi
from marshmallow import fields

from app.onboarding import MAX_BYTES, counts, run_onboarding, shown
from app.services.errors import DomainError

from .actions import action
from .bodies import Body, uploaded_file


class OnboardingFileForm(Body):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})
    sheet = fields.String(metadata={"description": "the sheet a CSV file holds (房屋, units…)"})
    commit = fields.Boolean(metadata={"description": "write it all (nothing if any problem)"})


class OnboardingApi(BaseApi):
    resource_name = "onboarding"
    class_permission_name = "Onboarding"
    method_permission_name = {"import_file": "write"}
    openapi_spec_tag = "Onboarding"
    allow_browser_login = True

    @action("/import", form=OnboardingFileForm, answers="the report of the file")
    def import_file(self):
        """Check a company's spreadsheet of units and owners; with ``commit``, write it."""
        try:
            data = uploaded_file(MAX_BYTES)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        commit = request.form.get("commit", "").lower() in ("1", "true", "yes", "on")
        name = request.files["file"].filename or ""
        report, written = run_onboarding(data, name, commit, request.form.get("sheet") or None)
        return self.response(
            200,
            rows=dict(report.rows),
            changes=counts(report),
            problems=[asdict(shown(problem)) for problem in report.problems],
            written=written,
        )
