"""Administration screens: staff assignments, settings and the (read-only) audit log."""

import json

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.audit import masked_changes
from app.labels import AUDIT_ACTIONS, TABLES
from app.models import AuditLog, Setting, StaffAssignment
from app.services.errors import DomainError
from app.services.settings import DEFAULTS, EXPLAINED, setting_problem

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


def setting_choices() -> list[tuple[str, str]]:
    """Every setting by its name, with its default (read per form: in the user's language)."""
    return [
        (key, gettext("%(name)s (default: %(default)s)", name=name, default=DEFAULTS[key] or "—"))
        for key, (name, _what) in EXPLAINED.items()
    ]


def setting_explained(key: str) -> str:
    """A setting's name and what it does, with its default."""
    if key not in EXPLAINED:
        return key
    name, what = EXPLAINED[key]
    return gettext(
        "%(name)s: %(what)s Default: %(default)s.",
        name=name,
        what=what,
        default=DEFAULTS[key] or "—",
    )


class SettingView(WuyeModelView):
    """The administrator's settings: the default numbers of the rules (app/services/settings.py),
    each named and explained, with its default."""

    datamodel = SQLAInterface(Setting)
    class_permission_name = "Setting"
    base_filters = []
    list_title = show_title = _l("Settings")
    add_title, edit_title = _l("Add a setting"), _l("Change a setting")
    list_columns = add_columns = edit_columns = show_columns = ["key", "value"]
    add_form_extra_fields = edit_form_extra_fields = {
        "key": SelectField(_l("Setting"), choices=setting_choices, validators=[InputRequired()]),
    }
    formatters_columns = {"key": setting_explained}

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
