"""The base of every screen: shared permissions, community scope, labels, validation.

Adds and edits are validated by the same service as the API before FAB saves them; a refusal
rolls the session back and shows every bad field, by its label, in the user's language.
"""

import logging
from functools import wraps

from flask import Response, abort, flash, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from sqlalchemy import Boolean
from wtforms.fields.core import UnboundField

from app.audit import record
from app.domain.masking import personal_columns
from app.exports import (
    FORMATS,
    cell,
    described,
    export_model,
    maskers,
    send_export,
    sql_ordered,
)
from app.extensions import db, unit_of_work
from app.labels import LABELS, labels_of
from app.models.types import UTCDateTime
from app.security.personal import can_view_personal_data, refuse_personal
from app.security.roles import EXPORT, VIEW_METHODS
from app.security.scoping import SCOPED
from app.services.errors import DomainError
from app.services.masterdata import validate
from app.services.queries import whole_number

from .columns import (
    blank_if_none,
    enum_label,
    enum_select,
    local_time,
    masked,
    person,
    yes_no,
)
from .lists import SEARCH, TextSearch, list_interface, type_unit_filters, unit_search_fields
from .row_actions import refuse_on_form

log = logging.getLogger(__name__)


def record_reveal(table: str, ids, fields) -> None:
    """Write to the audit log that the user is shown ``fields`` of rows ``ids`` unmasked."""
    with unit_of_work() as session:
        record(session, "reveal", table, details={"ids": list(ids), "fields": list(fields)})


def export_links(view) -> dict[str, str] | None:
    """The export URLs of the list ``view`` shows, carrying its filters and order; None when
    the user may not export it (FAB's own check, as its templates make for buttons)."""
    permission = PERMISSION_PREFIX + view.get_method_permission("export")
    if permission not in view.base_permissions or not view.appbuilder.sm.has_access(
        permission, view.class_permission_name
    ):
        return None
    args = {key: values for key, values in request.args.lists() if key != "fmt"}
    return {fmt: url_for(f"{type(view).__name__}.export", fmt=fmt, **args) for fmt in FORMATS}


def send_rows(fmt: str, name: str, header: list, rows: list) -> Response:
    """Export a screen's service-query rows; the page's query string is their filters."""
    if fmt not in FORMATS:
        abort(404)
    details = {"filters": request.args.to_dict(), "rows": len(rows)}
    cells = [[cell(value) for value in row] for row in rows]
    return send_export(fmt, name, header, lambda _own: cells, table=name, details=details)


def _blank_choice_reads_nothing(form) -> None:
    """The empty choice of an optional relation's drop-down shows "—": WTForms prints the
    choice's value ("__None") when FAB leaves its text empty."""
    for name in dir(form):
        field = getattr(form, name, None)
        if isinstance(field, UnboundField) and issubclass(field.field_class, QuerySelectField):
            field.kwargs["blank_text"] = "—"


def _on_a_list(func):
    """``func`` (an action on the rows ticked in a list) that also takes the one row of a row's
    page, where FAB passes the row itself."""

    @wraps(func)
    def action(items):
        return func(items if isinstance(items, list) else [items])

    return action


class WuyeModelView(ModelView):
    """A ``ModelView`` scoped to the user's communities and validated by the domain services.

    ``personal_fields`` are masked unless the user may see personal data, and every list or
    show page that shows them unmasked is recorded in the audit log.

    Every list exports its rows, under its current filters and order, as CSV or XLSX
    (``export``, under the resource's ``can_export``), masked and audited like the API's.
    """

    method_permission_name = VIEW_METHODS
    base_filters = SCOPED
    page_size = 25
    enums: dict = {}
    personal_fields: tuple[str, ...] = ()
    #: The list's free-text search, when it has one: ``(text, today)`` -> the SQL condition of
    #: the rows found (app/services/search.py); the box above the list.
    text_search = None

    def __init__(self, **kwargs):
        self.label_columns = labels_of(self.datamodel.obj)  # a copy: FAB adds to it
        selects = {col: enum_select(LABELS.get(col, col), e) for col, e in self.enums.items()}
        self.add_form_extra_fields = {**selects, **(self.add_form_extra_fields or {})}
        self.edit_form_extra_fields = {**selects, **(self.edit_form_extra_fields or {})}
        self.datamodel = list_interface(self)
        if self.text_search is not None and SEARCH not in self.search_columns:
            self.search_columns = [SEARCH, *self.search_columns]
            self.label_columns[SEARCH] = TextSearch.name
        self.search_form_extra_fields = {
            **unit_search_fields(self, lambda col: LABELS.get(col, col)),
            **(self.search_form_extra_fields or {}),
        }
        columns = self.datamodel.obj.__table__.columns
        nullable = {c.key for c in columns if c.nullable}
        instants = {c.key for c in columns if isinstance(c.type, UTCDateTime)}
        flags = {c.key for c in columns if isinstance(c.type, Boolean)}
        people = {c.key for c in columns if c.key.endswith("_by") or c.key == "username"}
        shown = {*(self.list_columns or ()), *(self.show_columns or ())}
        self.formatters_columns = {
            # nothing shows as nothing, not "None": nullable columns and relations alike
            **{col: blank_if_none for col in nullable | shown},
            **{col: local_time for col in instants},
            **{col: yes_no for col in flags},
            **{col: person for col in people},
            **{col: enum_label(enum) for col, enum in self.enums.items()},
            **{field: masked(field, self.may_reveal) for field in self.personal_fields},
            **(self.formatters_columns or {}),
        }
        self._scope_relation_fields()
        if self.include_route_methods is None or "list" in self.include_route_methods:
            if self.include_route_methods is not None:
                self.include_route_methods = {*self.include_route_methods, "export"}
            if self.base_permissions is not None:
                self.base_permissions = [*self.base_permissions, EXPORT]
        super().__init__(**kwargs)
        self.order_columns = sql_ordered(self.datamodel.obj, self.order_columns)
        type_unit_filters(self, self._filters)
        for item in self.actions.values():
            if item.multiple:  # also offered on a row's page, where FAB hands it one row
                item.func = _on_a_list(item.func)
        for form in (self.add_form, self.edit_form):
            _blank_choice_reads_nothing(form)

    def may_reveal(self) -> bool:
        """Whether the user sees this screen's personal fields unmasked."""
        return can_view_personal_data()

    def _require_rows(self, pks) -> None:
        """404 unless every id names a row the user may see (the view's scope): FAB's actions
        read their rows without it, and hand a missing one to the action as None."""
        for pk in pks:
            number = whole_number(pk)
            if number is None or self.datamodel.get(number, self._base_filters) is None:
                abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(404)
        self._require_rows([pk])
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action") not in self.actions:
            abort(404)
        self._require_rows(request.form.getlist("rowid"))
        return super().action_post()

    def _reveal(self, ids) -> None:
        if self.personal_fields and ids and self.may_reveal():
            record_reveal(self.datamodel.obj.__tablename__, ids, self.personal_fields)

    def _list(self, **kwargs):
        widgets = super()._list(**kwargs)
        self._reveal(widgets["list"].template_args.get("pks", []))
        widgets["exports"] = export_links(self)  # the buttons of our list.html
        widgets["text_search"] = self._text_search_box()
        return widgets

    def _text_search_box(self) -> dict | None:
        """What the list's search box shows: the text searched, and the page's other filters
        and order, which a new search keeps (a new search starts at the first page)."""
        if self.text_search is None:
            return None
        arg = f"_flt_0_{SEARCH}"
        kept = [
            (key, value)
            for key, values in request.args.lists()
            if key != arg and not key.startswith("page_")
            for value in values
        ]
        return {"name": arg, "value": request.args.get(arg, ""), "kept": kept}

    def _checked_order(self, order_column: str, filters) -> str:
        """The list's order column as asked (FAB's ``_oc_<view>``): a personal column, or a
        filter on one, refused (400) when the user sees them masked; a column the list does
        not offer (a relation's, a typo) ignored: the list keeps its default order."""
        columns = [order_column, *(flt.column_name for flt in filters.filters)]
        refuse_personal(columns, self.personal_fields, self.may_reveal())
        return order_column if order_column in self.order_columns else ""

    def _offered(self, columns) -> list[str]:
        """``columns`` without the personal ones when the user sees them masked."""
        hidden = () if self.may_reveal() else personal_columns(columns, self.personal_fields)
        return [c for c in columns if c not in hidden]

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        """Also a related list of a show page: ordered as checked, sortable by what the user
        may order by."""
        order_column = self._checked_order(order_column, filters)
        widgets = super()._get_list_widget(
            filters,
            order_column=order_column,
            order_direction=order_direction if order_column else "",
            **kwargs,
        )
        widgets["list"].template_args["order_columns"] = self._offered(self.order_columns)
        return widgets

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        """The search form offers no personal column to a user who sees them masked."""
        widgets = super()._get_search_widget(form, exclude_cols, widgets)
        args = widgets["search"].template_args
        args["include_cols"] = self._offered(args["include_cols"])
        return widgets

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        """The list's rows under the page's filters (``_flt_…``) and order, as CSV or XLSX."""
        if fmt not in FORMATS:
            abort(404)
        filters = type_unit_filters(self, self.datamodel.get_filters(self.search_columns))
        get_filter_args(filters)
        order = get_order_args().get(type(self).__name__, ("", ""))
        if not self._checked_order(order[0], filters):
            order = self.base_order or ("", "")
        masked = not self.may_reveal()
        cells = {c: f for c, f in self.formatters_columns.items() if c not in self.personal_fields}
        if masked:
            cells |= maskers(self.list_columns, self.personal_fields)
        return export_model(
            fmt,
            self.datamodel,
            filters.get_joined_filters(self._base_filters),
            order,
            self.list_columns,
            [self.label_columns.get(c, c) for c in self.list_columns],
            cells,
            name=self.datamodel.obj.__tablename__,
            details={"filters": described(filters), "masked": masked},
        )

    def offered_actions(self, item) -> set[str] | None:
        """The actions a row's page offers for ``item`` (None: all of them); a step the row
        has passed (a decided waiver's 批准) is not offered. The action itself still refuses
        it: this only keeps the page honest."""
        return None

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        offered = self.offered_actions(item)
        actions = actions or self.actions
        if offered is not None:
            actions = {name: a for name, a in actions.items() if name in offered}
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns=self.label_columns,
            include_columns=self.show_columns,
            value_columns=self.datamodel.get_values_item(item, self.show_columns),
            formatters_columns=self.formatters_columns,
            actions=actions,
            fieldsets=show_fieldsets or self.show_fieldsets,
            modelview_name=self.__class__.__name__,
        )
        return widgets

    def _show(self, pk):
        widgets = super()._show(pk)
        self._reveal([int(pk)])  # the URL gives the key as text; the API records ints
        return widgets

    def _scope_relation_fields(self) -> None:
        """Drop-downs of scoped relations offer only rows of the user's communities."""
        for attr, columns in (
            ("add_form_query_rel_fields", self.add_columns),
            ("edit_form_query_rel_fields", self.edit_columns),
            ("search_form_query_rel_fields", self.search_columns),
        ):
            fields = dict(getattr(self, attr) or {})
            for column in columns or ():
                if self.datamodel.is_relation(column):
                    related = self.datamodel.get_related_model(column)
                    if hasattr(related, "in_communities"):
                        fields.setdefault(column, SCOPED)
            setattr(self, attr, fields)

    def validate(self, item) -> None:
        validate(db.session, item)

    # Adds and edits: FAB's, except that a refusal of the rules keeps the form as typed, each
    # message beside its field, and saves nothing (FAB flashes it and throws the form away).

    def _add(self):
        if request.method != "POST":
            return super()._add()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._fill_form_exclude_cols(exclude_cols, form)
        if form.validate():
            self.process_form(form, True)
            item = self.datamodel.obj()
            if self._saved(form, item, self.datamodel.add, self.post_add, self.add_row_message):
                return None
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        if request.method != "POST":
            return super()._edit(pk)
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(exclude_cols, form)
        form._id = self.datamodel.get_pk_value(item)  # FAB's unique validators skip the row
        if form.validate():
            self.process_form(form, False)
            if self._saved(
                form, item, self.datamodel.edit, self.post_update, self.edit_row_message
            ):
                return None
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item,
            filters={},
            orders=get_order_args(),
            pages=get_page_args(),
            page_sizes=get_page_size_args(),
            widgets=widgets,
        )

    def _saved(self, form, item, save, after, done) -> bool:
        """Fill ``item`` from ``form`` and save it if the rules accept it (True); else put the
        refusal on the form and write nothing (False)."""
        form.populate_obj(item)
        try:
            self.validate(item)
        except DomainError as err:
            db.session.rollback()
            refuse_on_form(form, err)
            return False
        try:
            save(item)
        except Exception:  # noqa: BLE001 — FAB has rolled back; the form is shown again
            log.exception("saving %s failed", type(item).__name__)
            flash(self.database_error_message, "danger")
            return False
        after(item)
        flash(done, "success")
        return True
