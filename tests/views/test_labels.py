"""Every column a screen shows, searches or edits has a label of its own, in Chinese on the
Chinese screens: FAB's fallback (the column's name, title-cased: "Requested At") never shows."""

import re
from datetime import UTC, datetime

import pytest
from flask_appbuilder import ModelView
from flask_babel import force_locale
from sqlalchemy import Boolean

from app.labels import LABELS, TABLE_LABELS, TABLES
from app.models.types import UTCDateTime

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def shown_columns(view) -> set[str]:
    columns: set[str] = set()
    for name in ("list_columns", "show_columns", "add_columns", "edit_columns", "search_columns"):
        columns.update(getattr(view, name, None) or [])
    for fieldsets in (view.show_fieldsets, view.add_fieldsets, view.edit_fieldsets):
        for _title, fields in fieldsets or []:
            columns.update(fields.get("fields", []))
    return columns


def our_screens(app) -> list:
    return [
        view
        for view in app.appbuilder.baseviews
        if isinstance(view, ModelView) and type(view).__module__.startswith("app.")
    ]


def test_there_are_screens_to_check(app):
    assert len(our_screens(app)) > 30


@pytest.mark.parametrize("locale", ["zh"])
def test_every_shown_column_has_a_chinese_label(app, locale):
    unlabelled = []
    with app.test_request_context(), force_locale(locale):
        for view in our_screens(app):
            for column in sorted(shown_columns(view)):
                label = str(view.label_columns.get(column, ""))
                if not CHINESE.search(label):
                    unlabelled.append(f"{type(view).__name__}.{column}: {label!r}")
    assert unlabelled == [], "\n".join(unlabelled)


def test_a_tables_own_labels_win_on_its_screens_and_api(app):
    """A receipt's number is 收据编号, not the bills' 账单编号; a dunning deadline is 缴费期限,
    not the rectifications' 整改期限 (app.labels.TABLE_LABELS)."""
    with app.test_request_context(), force_locale("zh"):
        seen = {}
        for view in [*our_screens(app), *app.appbuilder.baseviews]:
            datamodel = getattr(view, "datamodel", None)
            table = getattr(getattr(datamodel, "obj", None), "__tablename__", None)
            for column, label in TABLE_LABELS.get(table, {}).items():
                seen[(type(view).__name__, column)] = str(view.label_columns[column])
                assert str(view.label_columns[column]) == str(label), type(view).__name__
        assert seen[("ReceiptView", "number")] == "收据编号"
        assert seen[("ReceiptApi", "number")] == "收据编号"
        assert seen[("InstallmentAgreementView", "number")] == "协议编号"
        assert seen[("DunningActionView", "deadline")] == "缴费期限"
        assert str(LABELS["number"]) == "账单编号"


def test_every_table_has_a_name_for_the_audit_log(app):
    from app.extensions import db

    assert sorted(set(db.metadata.tables) - set(TABLES)) == []


def test_every_instant_shows_in_the_business_time_zone(app):
    """No screen prints an instant as UTC with microseconds (the audit log did)."""
    instant = datetime(2026, 3, 1, 16, 30, 5, 123456, tzinfo=UTC)
    with app.app_context():
        shown = {
            f"{type(view).__name__}.{column.key}": view.formatters_columns[column.key](instant)
            for view in our_screens(app)
            for column in view.datamodel.obj.__table__.columns
            if isinstance(column.type, UTCDateTime) and column.key in shown_columns(view)
        }
    assert shown["AuditLogView.at"] == "2026-03-02 00:30"  # Asia/Shanghai, to the minute
    assert set(shown.values()) == {"2026-03-02 00:30"}


def test_no_flag_shows_as_true_or_false(app):
    with app.test_request_context(), force_locale("zh"):
        shown = {
            f"{type(view).__name__}.{column.key}": view.formatters_columns[column.key](True)
            for view in our_screens(app)
            for column in view.datamodel.obj.__table__.columns
            if isinstance(column.type, Boolean) and column.key in shown_columns(view)
        }
    assert shown and set(shown.values()) == {"是"}
