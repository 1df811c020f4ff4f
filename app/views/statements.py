"""Statement import screens: upload a file (for one of the user's communities, or all of
them), the imports, the unmatched queue with its candidate units and its "assign" form (bank
mappings: ``bank_mappings``).

The upload and the assign form each call one service (``import_statement``, ``assign_entry``)
in one unit of work, like the CLI and the API. A file with any problem imports nothing: the
result page lists every problem by row and column, in the user's language.
"""

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterIn
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from app.domain.rates import format_percent
from app.extensions import db, unit_of_work
from app.labels import (
    ENTRY_KINDS,
    ENTRY_STATUSES,
    LABELS,
    STATEMENT_FORMATS,
    STATEMENT_PROBLEMS,
)
from app.models import StatementEntry, StatementImport
from app.models.types import PaymentMethod
from app.security.personal import can_view_personal_data
from app.security.scoping import StatementEntryScope, StatementImportScope, current_user
from app.services.errors import DomainError
from app.services.statements import (
    BANK_MAPPINGS,
    DETECT,
    WAITING,
    assign_entry,
    bank_mappings,
    candidate_units,
    entry_in_scope,
    import_statement,
)

from .base import WuyeModelView, record_reveal
from .columns import enum_label, local_time, masked
from .forms import my_communities
from .payments import UnitForm, book_payment
from .row_actions import refusal_text

READ_ONLY = {"list", "show"}
MAX_BYTES = 20 * 1024 * 1024  # a month of a busy account is far below this
SHOWN_PROBLEMS = 200


def format_choices() -> list[tuple[str, str]]:
    """Detect, the layouts, then every bank mapping (saved ones first) by name."""
    choices = [(name, str(label)) for name, label in STATEMENT_FORMATS.items()]
    builtin = {m.name for m in BANK_MAPPINGS}
    for mapping in bank_mappings(db.session):
        label = _l("Bank statement: %(name)s", name=mapping.name)
        if mapping.name in builtin:
            label = _l("Bank statement: %(name)s (example)", name=mapping.name)
        choices.append((mapping.name, str(label)))
    return choices


def problem_text(message: str) -> str:
    return str(STATEMENT_PROBLEMS.get(message, message))


def problem_rows(problems) -> list[dict]:
    """The problems for a table: row (the whole file for 0), column, translated message."""
    return [
        {
            "row": p.row or gettext("whole file"),
            "column": p.column,
            "message": problem_text(p.message),
        }
        for p in problems
    ]


# --- upload ------------------------------------------------------------------------------------


class ImportStatementForm(DynamicForm):
    file = FileField(
        _l("Statement file"),
        validators=[FileRequired()],
        description=_l("CSV, XLSX or XLS as the bank, WeChat Pay or Alipay exports it."),
    )
    format = SelectField(_l("Layout"), choices=[], default=DETECT)
    # Any value reaches the service, which refuses a community that is not the user's.
    community = SelectField(
        LABELS["community"],
        choices=[],
        default="",
        validate_choice=False,
        description=_l(
            "Match the rows to this community's units only: unit codes such as 1-1-101 "
            "repeat across communities. Rows that wait are then this community's."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = format_choices()
        self.community.choices = [("", str(_l("All my communities"))), *my_communities()]


class StatementImportFormView(BaseView):
    """Upload a statement: every row matched, waiting or a duplicate; or nothing at all."""

    class_permission_name = "StatementImport"
    method_permission_name = {"upload": "write"}
    default_view = "upload"

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = ImportStatementForm()
        result = None
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                flash(gettext("The file is larger than %(mb)d MB.", mb=MAX_BYTES >> 20), "danger")
            else:
                result = self._import(data, upload.filename or "", form)
                if result is not None and result.errors:
                    flash(gettext("Nothing was imported: the file has problems."), "danger")
                elif result is not None:
                    flash(summary(result), "success")
        return self.render_template(
            "statements/import.html",
            title=_l("Import a statement"),
            form=form,
            result=result,
            problems=problem_rows(result.problems[:SHOWN_PROBLEMS]) if result else [],
        )

    @staticmethod
    def _import(data: bytes, filename: str, form: ImportStatementForm):
        """The import's result, in one unit of work; None, with the reason flashed, when the
        community chosen is not the user's."""
        try:
            with unit_of_work() as session:
                return import_statement(
                    session,
                    data,
                    filename,
                    form.format.data,
                    actor=current_user().username,
                    community_id=form.community.data or None,
                )
        except DomainError as err:
            flash(refusal_text(err), "danger")
            return None


def summary(result) -> str:
    return gettext(
        "Statement imported: %(matched)d matched, %(unmatched)d unmatched, "
        "%(duplicates)d duplicates, %(refunds)d refunds.",
        matched=result.matched,
        unmatched=result.unmatched,
        duplicates=result.duplicates,
        refunds=result.refunds,
    )


# --- imports and entries -----------------------------------------------------------------------


def format_label(value) -> str:
    return str(STATEMENT_FORMATS.get(value, value))


class StatementEntryView(WuyeModelView):
    """Every entry of the imports the user may see (an import's rows)."""

    datamodel = SQLAInterface(StatementEntry)
    class_permission_name = "StatementImport"
    method_permission_name = {**WuyeModelView.method_permission_name, "assign": "write"}
    base_permissions = ["can_read", "can_write"]
    include_route_methods = READ_ONLY | {"action", "action_post"}
    base_filters = [["id", StatementEntryScope, None]]
    list_title = show_title = _l("Statement entries")
    enums = {"method": PaymentMethod}
    personal_fields = StatementEntry.PERSONAL_FIELDS
    list_columns = [
        "paid_at",
        "kind",
        "method",
        "amount",
        "payer_name",
        "payer_account",
        "remark",
        "status",
        "community",
        "unit",
        "payment",
    ]
    show_columns = [*list_columns, "reference", "statement", "row"]
    search_columns = [
        "paid_at",
        "kind",
        "method",
        "reference",
        "amount",
        "payer_name",
        "payer_account",
        "remark",
        "status",
        "community",
    ]
    formatters_columns = {
        "paid_at": local_time,
        "kind": lambda k: str(ENTRY_KINDS.get(k, k)),
        "status": lambda s: str(ENTRY_STATUSES.get(s, s)),
        "payment": lambda p: p.receipt.number if p is not None and p.receipt else (p or ""),
    }
    base_order = ("id", "desc")

    @action("assign", _l("Assign to a unit"), "", "fa-link", multiple=False)
    def assign(self, item):
        return redirect(url_for("AssignEntryFormView.assign", pk=item.id))


CANDIDATES = "candidates"
CANDIDATES_LABEL = _l("Candidate units")


def candidate_text(found) -> str:
    """Candidate units as ``碧园小区 1-1-101, …`` (no personal data: nothing to mask)."""
    return ", ".join(c.label for c in found)


class UnmatchedEntryView(StatementEntryView):
    """The cashier's queue: payments no unit was found for, and refunds to check; beside each
    remark, the candidate units its codes name in the user's communities."""

    base_filters = [["id", StatementEntryScope, None], ["status", FilterIn, list(WAITING)]]
    list_title = show_title = _l("Unmatched entries")
    list_columns = [c for c in StatementEntryView.list_columns if c != "payment"]
    base_order = ("paid_at", "asc")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns[CANDIDATES] = CANDIDATES_LABEL

    def _get_list_widget(self, filters, **kwargs):
        """The page's rows with their candidates (one query for the page): a column of the
        screen only, computed for the user; exports list what is stored."""
        widgets = super()._get_list_widget(filters, **kwargs)
        args = widgets["list"].template_args
        pks = list(args["pks"])
        entries = db.session.scalars(select(StatementEntry).where(StatementEntry.id.in_(pks)))
        found = candidate_units(db.session, entries)
        columns = list(args["include_columns"])
        columns.insert(
            columns.index("remark") + 1 if "remark" in columns else len(columns), CANDIDATES
        )
        args["include_columns"] = columns
        args["value_columns"] = [
            {**row, CANDIDATES: found.get(pk, [])}
            for row, pk in zip(args["value_columns"], pks, strict=True)
        ]
        args["formatters_columns"] = {**args["formatters_columns"], CANDIDATES: candidate_text}
        return widgets


class StatementImportView(WuyeModelView):
    datamodel = SQLAInterface(StatementImport)
    class_permission_name = "StatementImport"
    base_permissions = ["can_read"]
    include_route_methods = READ_ONLY
    base_filters = [["id", StatementImportScope, None]]
    list_title = show_title = _l("Statement imports")
    list_columns = [
        "imported_at",
        "filename",
        "format",
        "imported_by",
        "rows",
        "matched",
        "unmatched",
        "match_rate",
        "duplicates",
        "refunds",
    ]
    show_columns = [*list_columns, "sha256"]
    search_columns = ["imported_at", "filename", "format", "imported_by"]
    formatters_columns = {
        "imported_at": local_time,
        "format": format_label,
        "match_rate": format_percent,
    }
    related_views = [StatementEntryView]
    base_order = ("id", "desc")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns["sha256"] = _l("File checksum (SHA-256)")


# --- assign ------------------------------------------------------------------------------------


class AssignEntryForm(UnitForm):
    remember_account = BooleanField(
        _l("Remember the payer account"),
        default=True,
        description=_l("Later payments from this account are then matched to this unit."),
    )


def entry_summary(entry: StatementEntry) -> Markup:
    """The entry being assigned; its payer account masked unless the user may see it."""
    rows = [
        (LABELS["paid_at"], local_time(entry.paid_at)),
        (LABELS["amount"], entry.amount),
        (LABELS["method"], enum_label(PaymentMethod)(entry.method)),
        (LABELS["reference"], entry.reference),
        (LABELS["payer_name"], entry.payer_name),
        (LABELS["payer_account"], masked("payer_account")(entry.payer_account)),
        (LABELS["remark"], entry.remark),
        (CANDIDATES_LABEL, candidate_text(candidate_units(db.session, [entry])[entry.id])),
    ]
    row = Markup('<tr><th class="col-lg-2">{}</th><td>{}</td></tr>')
    body = Markup("").join(row.format(label, value) for label, value in rows)
    return Markup('<table class="table table-condensed" id="statement_entry">{}</table>').format(
        body
    )


class AssignEntryFormView(BaseView):
    """A cashier books an unmatched entry for a unit; its receipt is shown next."""

    class_permission_name = "StatementImport"
    method_permission_name = {"assign": "write"}
    default_view = "assign"

    @expose("/assign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def assign(self, pk: int):
        entry = db.session.get(StatementEntry, pk)
        if entry is None or not entry_in_scope(entry):
            abort(404)
        form = AssignEntryForm()
        if request.method == "GET" and entry.community_id is not None:
            form.community.data = str(entry.community_id)
        if form.validate_on_submit():
            booked = book_payment(
                lambda session: assign_entry(
                    session,
                    pk,
                    form.unit_id(),
                    actor=current_user().username,
                    remember_account=form.remember_account.data,
                )
            )
            if booked is not None:
                return booked
        if entry.payer_account and can_view_personal_data():
            record_reveal("statement_entry", [pk], StatementEntry.PERSONAL_FIELDS)
        return self.render_template(
            "form.html",
            title=_l("Assign a statement entry to a unit"),
            form=form,
            aside=entry_summary(entry),
            action=url_for("AssignEntryFormView.assign", pk=pk),
            submit=_l("Record the payment"),
            back=url_for("UnmatchedEntryView.list"),
        )
