"""What a list screen asks of the database: its rows with their relations in one query, and a typed
unit search instead of a drop-down of every unit (docs/screens.md, "List screens").

FAB loads a row's many-to-one relations one row at a time (a page of 25 bills asked for its
owners in 25 queries) and offers a relation filter as a drop-down of every related row (every
unit of the user's communities, drawn on every list page).
"""

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import StringField

from app.models import Unit


class ListInterface(SQLAInterface):
    """FAB's interface to ``obj`` that loads the ``eager`` many-to-one relations of a list
    page's rows in the same query."""

    def __init__(self, obj, eager=()):
        super().__init__(obj)
        self.eager = tuple(eager)

    def apply_all(self, query, *args, **kwargs):
        query = super().apply_all(query, *args, **kwargs)
        return query.options(*(joinedload(getattr(self.obj, name)) for name in self.eager))


class UnitCodeContains(BaseFilter):
    """Rows whose unit's code contains the text typed (e.g. ``101`` or ``1-1-101``)."""

    name = _l("Unit code contains")
    arg_name = "unit_code"

    def apply(self, query, value):
        text = (value or "").strip()
        if not text:
            return query
        relation = getattr(self.model, self.column_name)
        return query.filter(relation.has(Unit.code.contains(text, autoescape=True)))


def list_interface(view) -> ListInterface:
    """``view``'s datamodel, loading the relations its list shows eagerly."""
    model = view.datamodel
    eager = [c for c in view.list_columns or () if model.is_relation_many_to_one(c)]
    interface = ListInterface(model.obj, eager)
    interface.filter_converter_class = model.filter_converter_class  # e.g. computed columns'
    return interface


def unit_columns(view) -> list[str]:
    """``view``'s search columns that are relations to a unit: searched by typed code."""
    model = view.datamodel
    return [
        c
        for c in view.search_columns or ()
        if model.is_relation(c) and model.get_related_model(c) is Unit
    ]


def unit_search_fields(view, label_of) -> dict:
    """Text inputs for ``view``'s unit search columns (``label_of``: column -> label)."""
    return {c: StringField(label_of(c)) for c in unit_columns(view)}


def type_unit_filters(view, filters):
    """``filters`` (FAB's ``Filters``) with the unit columns searched by code, and a page's
    filters of columns computed when read (their interface's converter gives them); returns
    them."""
    for column in unit_columns(view):
        typed = [UnitCodeContains(column, view.datamodel)]
        filters._search_filters[column] = typed
        filters._all_filters[column] = typed
    for column, typed in filters._search_filters.items():
        # A computed column is no column of the model: its filters count for the page too.
        filters._all_filters.setdefault(column, typed)
    return filters
