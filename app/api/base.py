"""The base of every resource API: shared permissions, community scope, one transaction.

FAB's generic add/edit/delete commit on their own and answer 422/500; here each write is one
``unit_of_work``: the row is validated by the same service as the screens, bad input answers
``400 {"message": {field: [why]}}``, a duplicate 409, and nothing is half-written.
"""

from decimal import Decimal, InvalidOperation

from flask import request
from flask_appbuilder.api import ModelRestApi, expose, get_list_schema, rison, safe
from flask_appbuilder.exceptions import FABException, InvalidOrderByColumnFABException
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from app.api.bodies import check_body
from app.audit import record
from app.domain.checks import decimal_places
from app.domain.masking import mask_fields
from app.exports import FORMATS, described, export_model, maskers, sql_ordered
from app.extensions import db, unit_of_work
from app.labels import labels_of, related_label
from app.security.personal import can_view_personal_data, refuse_personal
from app.security.roles import API_METHODS
from app.security.scoping import SCOPED
from app.services.errors import DomainError, Problems
from app.services.masterdata import validate
from app.services.queries import is_id


def translated(messages):
    """marshmallow's messages, translated where our catalogue knows them."""
    if isinstance(messages, dict):
        return {k: translated(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translated(m) for m in messages]
    return gettext(messages) if isinstance(messages, str) else messages


class WuyeModelApi(ModelRestApi):
    """A ``ModelRestApi`` scoped to the user's communities, validated by the domain services."""

    method_permission_name = API_METHODS
    base_filters = SCOPED
    allow_browser_login = True
    page_size = 50

    def __init__(self):
        self.label_columns = labels_of(self.datamodel.obj)  # a copy: FAB adds to it
        for column in {*(self.list_columns or ()), *(self.show_columns or ())}:
            if "." in column and column not in self.label_columns:  # a relation's column
                self.label_columns[column] = related_label(*column.split(".", 1))
        super().__init__()
        self.order_columns = sql_ordered(self.datamodel.obj, self.order_columns)

    #: Columns the client may leave out although the table requires them (the service fills
    #: them in, e.g. from the administrator's settings).
    optional_columns: tuple[str, ...] = ()

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        for name in self.optional_columns:
            for schema in (self.add_model_schema, self.edit_model_schema):
                if name in schema.fields:
                    schema.fields[name].required = False
                    schema.fields[name].allow_none = True

    #: Personal-data columns: masked unless the user may see them; a reveal is audited.
    personal_fields: tuple[str, ...] = ()

    def may_reveal(self) -> bool:
        """Whether the user sees this resource's personal fields unmasked."""
        return can_view_personal_data()

    def _guard(self, rows: list[dict]) -> None:
        if self.may_reveal():
            ids = [row.get("id") for row in rows]
            details = {"ids": ids, "fields": list(self.personal_fields)}
            with unit_of_work() as session:
                record(session, "reveal", self.datamodel.obj.__tablename__, details=details)
            return
        for row in rows:
            row.update(mask_fields({k: row[k] for k in self.personal_fields if k in row}))

    def _refuse_personal(self, columns) -> None:
        """No ordering or filtering by a column the user sees masked (400)."""
        refuse_personal(columns, self.personal_fields, self.may_reveal())

    def _handle_order_args(self, rison_args):
        self._refuse_personal([rison_args.get("order_column", "")])
        return super()._handle_order_args(rison_args)

    def _handle_filters_args(self, rison_args):
        self._refuse_personal(
            [f.get("col", "") for f in rison_args.get("filters", []) if isinstance(f, dict)]
        )
        return super()._handle_filters_args(rison_args)

    def pre_get(self, data):
        if self.personal_fields:
            result = data["result"]
            added = "id" not in result
            result.setdefault("id", data.get("id"))
            self._guard([result])
            if added:  # the row's id was lent to the guard; the schema has it outside
                del result["id"]

    def pre_get_list(self, data):
        if self.personal_fields:
            for row, pk in zip(data["result"], data.get("ids", []), strict=False):
                row.setdefault("id", pk)
            self._guard(data["result"])

    def validate(self, item) -> None:
        validate(db.session, item)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB's ``_info`` entry of a field, without ``gettext("")`` (the catalogue's header)
        as the label or description of a field that has none."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.label_columns.get(field.name):
            info["label"] = field.name
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def run_action(self, operation, status: int = 200):
        """Run ``operation(session, body) -> dict`` in one unit of work on the JSON body;
        a refusal answers 400/404/409 naming the field and writes nothing."""
        body = request.get_json(silent=True) if request.data else {}
        try:
            if not isinstance(body, dict):
                raise DomainError(_=_l("The request body must be a JSON object."))
            check_body(body)
            with unit_of_work() as session:
                result = operation(session, body)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(status, **result)

    def export_cells(self, masked: bool) -> dict:
        """How exported columns are written where not as read: personal ones masked."""
        return maskers(self.list_columns, self.personal_fields) if masked else {}

    @expose("/export/", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    @rison(get_list_schema)
    def export(self, **kwargs):
        """Export the filtered rows (same ``q`` filters and order as the list) as CSV or XLSX.
        ---
        get:
          parameters:
          - in: query
            name: format
            schema:
              type: string
              enum: [csv, xlsx]
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_list_schema'
          responses:
            200:
              description: the file, streamed
            400:
              $ref: '#/components/responses/400'
        """
        fmt = request.args.get("format", "csv")
        if fmt not in FORMATS:
            return self.response_400(message={"format": [gettext("Choose csv or xlsx.")]})
        args = kwargs.get("rison", {})
        try:
            order = self._handle_order_args(args)
        except InvalidOrderByColumnFABException:
            return self.response_400(message={"order_column": [gettext("Not a list column.")]})
        try:
            filters = self._handle_filters_args(args)
        except FABException as err:  # a column that is not filterable, an unknown operation
            return self.response_400(message={"filters": [str(err)]})
        masked = not self.may_reveal()
        return export_model(
            fmt,
            self.datamodel,
            filters,
            order,
            self.list_columns,
            [self.label_columns.get(c, c) for c in self.list_columns],
            self.export_cells(masked),
            name=self.resource_name,
            details={"filters": described(self._filters), "masked": masked},
        )

    def _check_body(self, body) -> None:
        """Refuse what the schema would not catch cleanly: a body that is not an object, a
        relation given other than by its row id, more decimals than a Numeric column keeps
        (marshmallow would round them)."""
        if not isinstance(body, dict):
            raise DomainError(_=_l("The request body must be a JSON object."))
        problems = Problems()
        columns = self.datamodel.obj.__table__.columns
        for name, value in body.items():
            if self.datamodel.is_relation(name):
                problems.check(
                    value is None or is_id(value),
                    name,
                    _l("Give the id of a record (a whole number)."),
                )
                continue
            column = columns.get(name)
            scale = getattr(column.type, "scale", None) if column is not None else None
            if scale is None or isinstance(value, bool) or not isinstance(value, str | int | float):
                continue
            try:
                places = decimal_places(Decimal(str(value)))
            except InvalidOperation:
                continue  # not a number: the schema says so
            problems.check(places <= scale, name, _l("At most %(n)d decimal places.", n=scale))
        problems.raise_if_any()

    def _write(self, load, status: int):
        if not request.is_json:
            return self.response_400(message=gettext("The request body must be JSON."))
        try:
            with unit_of_work() as session:
                self._check_body(request.json)
                item = load()
                self.validate(item)
                session.add(item)
                session.flush()
                body = {"id": self.datamodel.get_pk_value(item)}
                body["result"] = self.add_model_schema.dump(item, many=False)
                self.pre_get(body)
        except ValidationError as err:
            return self.response_400(message=translated(err.messages))
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        except IntegrityError:
            return self.response(409, message={"_": [gettext("This record already exists.")]})
        return self.response(status, **body)

    def post_headless(self):
        return self._write(lambda: self.add_model_schema.load(request.json), 201)

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()

        def load():
            data = self._merge_update_item(item, request.json)
            return self.edit_model_schema.load(data, instance=item)

        return self._write(load, 200)

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            with unit_of_work() as session:
                session.delete(item)
        except IntegrityError:
            return self.response(
                409, message={"_": [gettext("Other records still refer to this one.")]}
            )
        return self.response(200, message="OK")
