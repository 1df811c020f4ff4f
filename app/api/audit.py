"""The ``audit_log`` resource: read-only, with personal data masked inside the changes."""

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import AuditLog
from app.security import masked_values

from .base import WuyeModelApi


def masked_changes(changes: dict | None) -> dict | None:
    """``changes`` ({"before": {...}, "after": {...}}) with personal fields masked as needed."""
    if not changes:
        return changes
    return {side: masked_values(v) if isinstance(v, dict) else v for side, v in changes.items()}


class AuditLogApi(WuyeModelApi):
    resource_name = "audit_log"
    class_permission_name = "AuditLog"
    datamodel = SQLAInterface(AuditLog)
    base_filters = []  # the trail is company-wide; only Admin and Auditor may read it
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "at", "user_id", "username", "action", "table_name", "row_id", "changes"]
    show_columns = list_columns
    search_columns = ["at", "username", "action", "table_name", "row_id"]
    base_order = ("id", "desc")

    def pre_get(self, data):
        data["result"]["changes"] = masked_changes(data["result"].get("changes"))

    def pre_get_list(self, data):
        for row in data["result"]:
            row["changes"] = masked_changes(row.get("changes"))
