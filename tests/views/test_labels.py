"""Every column a screen shows, searches or edits has a label of its own, in Chinese on the
Chinese screens: FAB's fallback (the column's name, title-cased: "Requested At") never shows."""

import re

import pytest
from flask_appbuilder import ModelView
from flask_babel import force_locale

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
