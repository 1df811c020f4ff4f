"""The base of every screen: shared permissions, community scope, labels, validation.

Adds and edits are validated by the same service as the API before FAB saves them; a refusal
rolls the session back and shows every bad field, by its label, in the user's language.
"""

from functools import wraps

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length

from app.audit import record
from app.clock import business_zone
from app.domain.masking import MASKERS, personal_columns
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
from app.security.scoping import SCOPED, current_user
from app.services.errors import DomainError
from app.services.masterdata import validate
from app.services.queries import whole_number

from .lists import list_interface, type_unit_filters, unit_search_fields


class ScreenError(Exception):
    """A refusal shown to the user as a flash message."""


def local_time(value) -> str:
    """An instant as the business clock shows it."""
    return value.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def refusal_text(err: DomainError) -> str:
    """A service's refusal for a flash message: each bad field by its label."""
    return "; ".join(
        f"{LABELS.get(field, LABELS.get(field.removesuffix('_id'), field))}: {' '.join(msgs)}"
        for field, msgs in err.as_dict().items()
    )


def enum_select(label, enum) -> SelectField:
    """A drop-down of ``enum``'s members with their translated labels."""
    return SelectField(label, choices=enum.choices, validators=[InputRequired()])


class CommaSeparatedSelect(SelectMultipleField):
    """A multi-select stored as a comma-separated string (e.g. tariff property types)."""

    def process_data(self, value):
        self.data = [v for v in (value or "").split(",") if v] if isinstance(value, str) else value

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or []))


def enum_label(enum):
    """A list/show formatter printing a member's translated label."""

    def fmt(value):
        try:
            return enum(value).label
        except ValueError:
            return value

    return fmt


def blank_if_none(value):
    """Empty dates and numbers show as nothing rather than "None"."""
    return "" if value is None else value


def yes_no(value) -> str:
    return str(_l("Yes") if value else _l("No"))


def masked(field: str, allowed=can_view_personal_data):
    """A list/show formatter: ``field`` masked unless ``allowed()`` (the user may see personal
    data)."""

    def fmt(value):
        return value if allowed() else MASKERS[field](value)

    return fmt


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

    def __init__(self, **kwargs):
        self.label_columns = labels_of(self.datamodel.obj)  # a copy: FAB adds to it
        selects = {col: enum_select(LABELS.get(col, col), e) for col, e in self.enums.items()}
        self.add_form_extra_fields = {**selects, **(self.add_form_extra_fields or {})}
        self.edit_form_extra_fields = {**selects, **(self.edit_form_extra_fields or {})}
        self.datamodel = list_interface(self)
        self.search_form_extra_fields = {
            **unit_search_fields(self, lambda col: LABELS.get(col, col)),
            **(self.search_form_extra_fields or {}),
        }
        columns = self.datamodel.obj.__table__.columns
        nullable = {c.key for c in columns if c.nullable}
        instants = {c.key for c in columns if isinstance(c.type, UTCDateTime)}
        self.formatters_columns = {
            **{col: blank_if_none for col in nullable},
            **{col: local_time for col in instants},
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
        return widgets

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

    def _checked(self, item) -> None:
        try:
            self.validate(item)
        except DomainError as err:
            db.session.rollback()
            raise ScreenError(refusal_text(err)) from err

    def pre_add(self, item):
        self._checked(item)

    def pre_update(self, item):
        self._checked(item)


class ReasonForm(DynamicForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])


class RowActionView(BaseView):
    """A page that asks for input (a reason by default), then runs one service operation on one
    row in one unit of work; a refusal is shown with every bad field named."""

    default_view = "confirm"
    form_class = ReasonForm
    title = submit = intro = None
    back_endpoint = ""  # the row's show page, e.g. "PaymentView.show"

    def make_form(self, pk: int):
        """The page's form (override to fill in choices that depend on the row)."""
        return self.form_class()

    def operation(self, session, pk: int, form, actor: str) -> tuple[str, str]:
        """Do it; return the success message and the URL to go to."""
        raise NotImplementedError

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def confirm(self, pk: int):
        form = self.make_form(pk)
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    message, url = self.operation(session, pk, form, current_user().username)
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                flash(message, "success")
                return redirect(url)
        return self.render_template(
            "form.html",
            title=self.title,
            form=form,
            intro=self.intro,
            submit=self.submit,
            action=url_for(f"{type(self).__name__}.confirm", pk=pk),
            back=url_for(self.back_endpoint, pk=pk),
        )
