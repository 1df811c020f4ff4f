"""Administration screens: staff assignments, settings and the (read-only) audit log."""

import json

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.audit import masked_changes
from app.labels import AUDIT_ACTIONS, TABLES
from app.models import AuditLog, Setting, StaffAssignment
from app.services.errors import DomainError
from app.services.settings import DEFAULTS, setting_problem

from .base import WuyeModelView


class StaffAssignmentView(WuyeModelView):
    datamodel = SQLAInterface(StaffAssignment)
    class_permission_name = "StaffAssignment"
    list_title = show_title = _l("Staff assignments")
    add_title, edit_title = _l("Assign staff to a community"), _l("Edit assignment")
    list_columns = add_columns = edit_columns = show_columns = ["user", "community"]
    search_columns = ["user", "community"]

    def validate(self, item):
        if item.user is None or item.community is None:
            raise DomainError(user=_l("Choose a staff member and a community."))


class SettingView(WuyeModelView):
    datamodel = SQLAInterface(Setting)
    class_permission_name = "Setting"
    base_filters = []
    list_title = show_title = _l("Settings")
    list_columns = add_columns = edit_columns = show_columns = ["key", "value"]
    description_columns = {"key": ", ".join(sorted(DEFAULTS))}

    def validate(self, item):
        problem = setting_problem(item.key, item.value)
        if problem is not None:
            raise DomainError(**{"key" if item.key not in DEFAULTS else "value": problem})


class AuditLogView(WuyeModelView):
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = "AuditLog"
    base_filters = []
    base_permissions = ["can_read"]
    list_title = show_title = _l("Audit log")
    list_columns = ["at", "username", "action", "table_name", "row_id"]
    show_columns = ["at", "username", "action", "table_name", "row_id", "changes"]
    search_columns = ["at", "username", "action", "table_name", "row_id"]
    base_order = ("id", "desc")
    formatters_columns = {
        "changes": lambda c: json.dumps(masked_changes(c), ensure_ascii=False, indent=1),
        "action": lambda a: AUDIT_ACTIONS.get(a, a),
        "table_name": lambda t: TABLES.get(t, t),
    }
