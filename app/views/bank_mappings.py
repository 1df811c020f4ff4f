"""The administrator's bank mappings: each bank's statement columns, saved by name and offered
at statement upload (app.services.statement_mappings checks them field by field)."""

import json

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.extensions import db
from app.labels import LABELS
from app.models import BankMappingRecord
from app.services.statement_mappings import validate_bank_mapping

from .base import WuyeModelView


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
