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

from app.clock import business_date
from app.models import Unit
from app.services.search import search_text

#: The pseudo-column of a list's free-text search (``?_flt_0_search=…``).
SEARCH = "search"


class ListInterface(SQLAInterface):
    """FAB's interface to ``obj`` that loads the ``eager`` many-to-one relations of a list
    page's rows in the same query; ``text_search``: the view's (``TextSearch`` applies it)."""

    def __init__(self, obj, eager=(), text_search=None):
        super().__init__(obj)
        self.eager = tuple(eager)
        self.text_search = text_search

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


class TextSearch(BaseFilter):
    """Rows a screen's ``text_search`` finds by a unit code, an owner's name, a phone's last
    digits or a payment code (app/services/search.py)."""

    name = _l("Unit, owner or phone")
    arg_name = "search"

    def apply(self, query, value):
        text = search_text(value)
        if not text:
            return query
        return query.filter(self.datamodel.text_search(text, business_date()))


class SearchConverter:
    """A filter converter that leaves the free-text search to ``type_unit_filters`` (it is no
    column FAB could filter)."""

    def convert(self, col_name):
        return [] if col_name == SEARCH else super().convert(col_name)


def list_interface(view) -> ListInterface:
    """``view``'s datamodel, loading the relations its list shows eagerly."""
    model = view.datamodel
    eager = [c for c in view.list_columns or () if model.is_relation_many_to_one(c)]
    interface = ListInterface(model.obj, eager, view.text_search)
    converter = model.filter_converter_class  # e.g. computed columns'
    interface.filter_converter_class = type(converter.__name__, (SearchConverter, converter), {})
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
    """Text inputs for ``view``'s unit search columns (``label_of``: column -> label), and for
    its free-text search when it has one."""
    fields = {c: StringField(label_of(c)) for c in unit_columns(view)}
    if view.text_search is not None:
        fields[SEARCH] = StringField(TextSearch.name)
    return fields


def type_unit_filters(view, filters):
    """``filters`` (FAB's ``Filters``) with the unit columns searched by code, and a page's
    filters of columns computed when read (their interface's converter gives them); returns
    them."""
    for column in unit_columns(view):
        typed = [UnitCodeContains(column, view.datamodel)]
        filters._search_filters[column] = typed
        filters._all_filters[column] = typed
    if view.text_search is not None:
        typed = [TextSearch(SEARCH, view.datamodel)]
        filters._search_filters[SEARCH] = typed
        filters._all_filters[SEARCH] = typed
    for column, typed in filters._search_filters.items():
        # A computed column is no column of the model: its filters count for the page too.
        filters._all_filters.setdefault(column, typed)
    return filters
