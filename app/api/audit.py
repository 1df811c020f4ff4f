"""The ``audit_log`` resource: read-only, with personal data masked inside the changes."""

import json

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.audit import masked_changes
from app.domain.masking import mask_changes
from app.models import AuditLog

from .base import WuyeModelApi


class AuditLogApi(WuyeModelApi):
    resource_name = "audit_log"
    class_permission_name = "AuditLog"
    datamodel = SQLAInterface(AuditLog)
    base_filters = []  # the trail is company-wide; only Admin and Auditor may read it
    include_route_methods = {"get", "get_list", "info", "export"}
    list_columns = ["id", "at", "user_id", "username", "action", "table_name", "row_id", "changes"]
    show_columns = list_columns
    search_columns = ["at", "username", "action", "table_name", "row_id"]
    base_order = ("id", "desc")

    def export_cells(self, masked):
        def changes(value):
            return json.dumps(mask_changes(value) if masked else value, ensure_ascii=False)

        return {**super().export_cells(masked), "changes": changes}

    def pre_get(self, data):
        data["result"]["changes"] = masked_changes(data["result"].get("changes"))

    def pre_get_list(self, data):
        for row in data["result"]:
            row["changes"] = masked_changes(row.get("changes"))
