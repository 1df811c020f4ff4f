"""Screens for master data: communities, buildings, units, owners, ownerships, tariffs."""

from functools import partial

from flask import redirect, url_for
from flask_appbuilder import action
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import InputRequired, Optional

from app.extensions import db
from app.labels import LABELS
from app.models import Building, Community, Owner, Ownership, Tariff, Unit
from app.models.types import Basis, Channel, CustomerType, FeeKind, PropertyType, UnitStatus
from app.services.search import (
    owner_or_unit_matches,
    row_matches,
    unit_label,
    unit_matches,
    units_to_pick,
)

from .base import WuyeModelView
from .columns import CommaSeparatedSelect, yes_no


class CommunityView(WuyeModelView):
    datamodel = SQLAInterface(Community)
    class_permission_name = "Community"
    list_title = show_title = _l("Communities")
    add_title, edit_title = _l("Add community"), _l("Edit community")
    list_columns = ["code", "name", "address", "phone"]
    search_columns = ["code", "name", "address"]
    show_fieldsets = add_fieldsets = edit_fieldsets = [
        (_l("Community"), {"fields": ["code", "name", "address", "phone"]}),
        (
            _l("How owners pay"),
            {"fields": ["payee_name", "payee_bank", "payee_account", "payment_instructions"]},
        ),
    ]


class BuildingView(WuyeModelView):
    datamodel = SQLAInterface(Building)
    class_permission_name = "Building"
    list_title = show_title = _l("Buildings")
    add_title, edit_title = _l("Add building"), _l("Edit building")
    list_columns = ["community", "code", "name"]
    search_columns = ["community", "code", "name"]
    add_columns = edit_columns = show_columns = ["community", "code", "name"]
    base_order = ("code", "asc")


class UnitView(WuyeModelView):
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Unit"
    method_permission_name = {**WuyeModelView.method_permission_name, "statement": "read"}
    list_title = show_title = _l("Units")
    add_title, edit_title = _l("Add unit"), _l("Edit unit")
    enums = {"property_type": PropertyType, "status": UnitStatus}
    list_columns = ["building", "code", "payment_code", "property_type", "area", "status"]
    text_search = staticmethod(unit_matches)
    search_columns = ["code", "property_type", "status", "area"]
    add_columns = edit_columns = ["building", "code", "property_type", "area", "status"]
    show_columns = list_columns
    base_order = ("code", "asc")

    @action("statement", _l("Account statement"), "", "fa-file-invoice-dollar", multiple=False)
    def statement(self, item):
        return redirect(url_for("AccountView.statement", unit_id=item.id))


class OwnerView(WuyeModelView):
    """Owners; phone and ID number are masked unless the user may see them, and every screen
    that shows them unmasked is recorded in the audit log."""

    datamodel = SQLAInterface(Owner)
    class_permission_name = "Owner"
    list_title = show_title = _l("Owners and residents")
    add_title, edit_title = _l("Add owner or resident"), _l("Edit owner or resident")
    enums = {"customer_type": CustomerType, "preferred_channel": Channel}
    list_columns = ["name", "community", "phone", "customer_type", "preferred_channel"]
    text_search = staticmethod(owner_or_unit_matches)
    search_columns = ["name", "customer_type", "preferred_channel", "email"]
    _fields = [
        "community",
        "name",
        "phone",
        "email",
        "id_number",
        "customer_type",
        "preferred_channel",
        "e_notice_consent",
        "notes",
    ]
    add_columns = edit_columns = show_columns = _fields
    personal_fields = Owner.PERSONAL_FIELDS
    formatters_columns = {"e_notice_consent": yes_no}


class OwnershipView(WuyeModelView):
    datamodel = SQLAInterface(Ownership)
    class_permission_name = "Ownership"
    list_title = show_title = _l("Paying owners (history)")
    add_title, edit_title = _l("Add ownership"), _l("Edit ownership")
    list_columns = ["unit", "owner", "start_date", "end_date"]
    text_search = staticmethod(partial(row_matches, Ownership))
    search_columns = ["start_date", "end_date"]
    add_columns = edit_columns = show_columns = ["unit", "owner", "start_date", "end_date"]
    # The unit by its community too: "1-1-202" exists in every community.
    add_form_extra_fields = edit_form_extra_fields = {
        "unit": QuerySelectField(
            LABELS["unit"],
            query_func=lambda: units_to_pick(db.session),
            get_pk_func=lambda unit: unit.id,
            get_label=unit_label,
            validators=[InputRequired()],
        )
    }
    base_order = ("start_date", "desc")


class TariffView(WuyeModelView):
    datamodel = SQLAInterface(Tariff)
    class_permission_name = "Tariff"
    list_title = show_title = _l("Tariffs")
    add_title, edit_title = _l("Add tariff version"), _l("Edit tariff version")
    enums = {"fee_kind": FeeKind, "basis": Basis}
    list_columns = [
        "community",
        "code",
        "name",
        "fee_kind",
        "basis",
        "price",
        "cycle_months",
        "valid_from",
        "valid_to",
        "published_on",
    ]
    search_columns = ["code", "name", "fee_kind", "valid_from", "valid_to"]
    add_form_extra_fields = edit_form_extra_fields = {
        "property_types": CommaSeparatedSelect(
            LABELS["property_types"], choices=PropertyType.choices
        ),
        # Left empty, these take the administrator's defaults.
        "due_days": IntegerField(LABELS["due_days"], validators=[Optional()]),
        "late_fee_grace_days": IntegerField(LABELS["late_fee_grace_days"], validators=[Optional()]),
        "late_fee_daily_rate": DecimalField(
            LABELS["late_fee_daily_rate"], places=None, validators=[Optional()]
        ),
        "late_fee_cap_ratio": DecimalField(
            LABELS["late_fee_cap_ratio"], places=None, validators=[Optional()]
        ),
    }
    formatters_columns = {
        "property_types": lambda v: "、".join(
            str(PropertyType(t).label) for t in (v or "").split(",") if t
        ),
    }
    _fields = [
        "community",
        "code",
        "name",
        "fee_kind",
        "basis",
        "price",
        "cycle_months",
        "property_types",
        "valid_from",
        "valid_to",
        "published_on",
        "due_days",
        "late_fee_daily_rate",
        "late_fee_grace_days",
        "late_fee_cap_ratio",
    ]
    add_columns = edit_columns = show_columns = _fields
    description_columns = {
        "published_on": _l(
            "A new version must start at least the notice period (30 days by "
            "default) after it is published."
        ),
        "due_days": _l("Empty: the administrator's default."),
    }
    base_order = ("valid_from", "desc")


# Show pages list the rows that hang off a record (a community's buildings, a unit's owners…).
CommunityView.related_views = [BuildingView, TariffView]
BuildingView.related_views = [UnitView]
UnitView.related_views = [OwnershipView]
OwnerView.related_views = [OwnershipView]
