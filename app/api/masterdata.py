"""REST resources for master data: community, building, unit, owner, ownership, tariff."""

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Building, Community, Owner, Ownership, Tariff, Unit
from app.services.masterdata import TARIFF_SETTINGS

from .base import WuyeModelApi


class CommunityApi(WuyeModelApi):
    resource_name = "community"
    class_permission_name = "Community"
    datamodel = SQLAInterface(Community)
    _fields = [
        "code",
        "name",
        "address",
        "phone",
        "payee_name",
        "payee_bank",
        "payee_account",
        "payment_instructions",
    ]
    list_columns = ["id", *_fields]
    show_columns = list_columns
    add_columns = edit_columns = _fields


class BuildingApi(WuyeModelApi):
    resource_name = "building"
    class_permission_name = "Building"
    datamodel = SQLAInterface(Building)
    list_columns = ["id", "community.id", "community.code", "code", "name"]
    show_columns = list_columns
    add_columns = edit_columns = ["community", "code", "name"]


class UnitApi(WuyeModelApi):
    resource_name = "unit"
    class_permission_name = "Unit"
    datamodel = SQLAInterface(Unit)
    list_columns = [
        "id",
        "building.id",
        "building.code",
        "code",
        "payment_code",
        "property_type",
        "area",
        "status",
    ]
    show_columns = list_columns
    add_columns = edit_columns = ["building", "code", "property_type", "area", "status"]
    search_columns = ["building", "code", "property_type", "status"]


class OwnerApi(WuyeModelApi):
    """Owners; phone and ID number masked unless the user may see personal data (then the
    reveal is audited)."""

    resource_name = "owner"
    class_permission_name = "Owner"
    datamodel = SQLAInterface(Owner)
    _fields = [
        "name",
        "phone",
        "email",
        "id_number",
        "customer_type",
        "preferred_channel",
        "e_notice_consent",
        "notes",
    ]
    list_columns = ["id", "community.id", "community.code", *_fields]
    show_columns = list_columns
    add_columns = edit_columns = ["community", *_fields]
    search_columns = ["community", "name", "customer_type", "preferred_channel"]
    personal_fields = Owner.PERSONAL_FIELDS


class OwnershipApi(WuyeModelApi):
    resource_name = "ownership"
    class_permission_name = "Ownership"
    datamodel = SQLAInterface(Ownership)
    list_columns = [
        "id",
        "unit.id",
        "unit.code",
        "owner.id",
        "owner.name",
        "start_date",
        "end_date",
    ]
    show_columns = list_columns
    add_columns = edit_columns = ["unit", "owner", "start_date", "end_date"]


class TariffApi(WuyeModelApi):
    resource_name = "tariff"
    class_permission_name = "Tariff"
    datamodel = SQLAInterface(Tariff)
    _fields = [
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
    list_columns = ["id", "community.id", "community.code", *_fields]
    show_columns = list_columns
    add_columns = edit_columns = ["community", *_fields]
    search_columns = ["community", "code", "fee_kind", "valid_from"]
    optional_columns = TARIFF_SETTINGS


APIS = (CommunityApi, BuildingApi, UnitApi, OwnerApi, OwnershipApi, TariffApi)
