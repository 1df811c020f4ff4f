"""Statement import screens: upload a file, the imports, the unmatched queue with its "assign"
form, and the administrator's bank mappings.

The upload and the assign form each call one service (``import_statement``, ``assign_entry``)
in one unit of work, like the CLI and the API. A file with any problem imports nothing: the
result page lists every problem by row and column, in the user's language.
"""

import json

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterIn
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.extensions import db, unit_of_work
from app.labels import (
    ENTRY_KINDS,
    ENTRY_STATUSES,
    LABELS,
    STATEMENT_FORMATS,
    STATEMENT_PROBLEMS,
)
from app.models import BankMappingRecord, StatementEntry, StatementImport
from app.models.types import PaymentMethod
from app.security import StatementEntryScope, StatementImportScope, current_user
from app.services.statements import (
    BANK_MAPPINGS,
    DETECT,
    WAITING,
    assign_entry,
    bank_mappings,
    entry_in_scope,
    import_statement,
    validate_bank_mapping,
)

from .base import WuyeModelView, enum_label, local_time
from .payments import UnitForm, book_payment

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = format_choices()


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
                with unit_of_work() as session:
                    result = import_statement(
                        session,
                        data,
                        upload.filename or "",
                        form.format.data,
                        actor=current_user().username,
                    )
                if result.errors:
                    flash(gettext("Nothing was imported: the file has problems."), "danger")
                else:
                    flash(summary(result), "success")
        return self.render_template(
            "statements/import.html",
            title=_l("Import a statement"),
            form=form,
            result=result,
            problems=problem_rows(result.problems[:SHOWN_PROBLEMS]) if result else [],
        )


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


class UnmatchedEntryView(StatementEntryView):
    """The cashier's queue: payments no unit was found for, and refunds to check."""

    base_filters = [["id", StatementEntryScope, None], ["status", FilterIn, list(WAITING)]]
    list_title = show_title = _l("Unmatched entries")
    list_columns = [c for c in StatementEntryView.list_columns if c != "payment"]
    base_order = ("paid_at", "asc")


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
        "duplicates",
        "refunds",
    ]
    show_columns = [*list_columns, "sha256"]
    search_columns = ["imported_at", "filename", "format", "imported_by"]
    formatters_columns = {"imported_at": local_time, "format": format_label}
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
    rows = [
        (LABELS["paid_at"], local_time(entry.paid_at)),
        (LABELS["amount"], entry.amount),
        (LABELS["method"], enum_label(PaymentMethod)(entry.method)),
        (LABELS["reference"], entry.reference),
        (LABELS["payer_name"], entry.payer_name),
        (LABELS["payer_account"], entry.payer_account),
        (LABELS["remark"], entry.remark),
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
        return self.render_template(
            "form.html",
            title=_l("Assign a statement entry to a unit"),
            form=form,
            aside=entry_summary(entry),
            action=url_for("AssignEntryFormView.assign", pk=pk),
            submit=_l("Record the payment"),
            back=url_for("UnmatchedEntryView.list"),
        )


# --- bank mappings -----------------------------------------------------------------------------


class JSONField(TextAreaField):
    """A JSON value edited as text."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data in (None, ""):
            return ""
        return json.dumps(self.data, ensure_ascii=False, indent=2)

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = json.loads(text)
            except ValueError as err:
                raise ValueError(gettext("Not valid JSON.")) from err


COLUMNS_EXAMPLE = json.dumps(
    {
        "date": "交易日期",
        "time": "交易时间",
        "reference": "流水号",
        "credit": "贷方发生额",
        "debit": "借方发生额",
        "balance": "余额",
        "payer_name": "对方户名",
        "payer_account": "对方账号",
        "remark": ["摘要", "用途"],
    },
    ensure_ascii=False,
)


def mapping_fields() -> dict:
    return {
        "name": StringField(
            LABELS["name"],
            validators=[InputRequired(), Length(max=32)],
            description=_l(
                "Short and lower case, e.g. icbc. It becomes part of the references of the "
                "rows, so it cannot change once saved."
            ),
        ),
        "columns": JSONField(
            LABELS["columns"],
            validators=[InputRequired()],
            render_kw={"rows": 10},
            description=_l(
                "Our field → the bank's header. date, credit and debit are required; time, "
                "balance and reference optional; payer_name, payer_account and remark may "
                "list several headers. Example: %(example)s",
                example=COLUMNS_EXAMPLE,
            ),
        ),
        "header_row": IntegerField(
            LABELS["header_row"],
            validators=[Optional(), NumberRange(min=1)],
            description=_l("Empty: the first row holding every mapped header."),
        ),
        "date_format": StringField(
            LABELS["date_format"],
            validators=[Optional(), Length(max=32)],
            description=_l(
                "Tried first, e.g. %(example)s; empty: the usual year-first forms.",
                example="%Y-%m-%d",
            ),
        ),
    }


class BankMappingView(WuyeModelView):
    """Administrators save each bank's statement columns; the import offers them by name."""

    datamodel = SQLAInterface(BankMappingRecord)
    class_permission_name = "BankMapping"
    base_permissions = ["can_read", "can_write", "can_delete"]
    include_route_methods = {"list", "show", "add", "edit", "delete"}
    base_filters = []
    list_title = show_title = _l("Bank mappings")
    add_title = _l("Add a bank mapping")
    edit_title = _l("Edit a bank mapping")
    list_columns = ["name", "header_row", "date_format"]
    show_columns = ["name", "columns", "header_row", "date_format"]
    add_columns = edit_columns = ["name", "columns", "header_row", "date_format"]
    formatters_columns = {
        "columns": lambda c: json.dumps(c, ensure_ascii=False) if c is not None else ""
    }
    base_order = ("name", "asc")

    def __init__(self, **kwargs):
        self.add_form_extra_fields = mapping_fields()
        self.edit_form_extra_fields = mapping_fields()
        super().__init__(**kwargs)

    def validate(self, item) -> None:
        validate_bank_mapping(db.session, item)
