"""The administrator's user and role screens, in place of Flask-AppBuilder's.

Users show their roles by name (管理员、财务), with help for this application (it signs in with
its own user table only: nothing about LDAP or OpenID). Roles are code (``app.security.roles``):
their page is a table of what each role may do, read only — a role changes with a release.

FAB's user groups are not offered: a group's roles would grant permissions, yet the application
reads a user's own roles to know who is a collector, who may take complaints and where one lands
after signing in; roles are given to users directly. ``WuyeSecurityManager`` (used by
``create_app``) puts these screens in FAB's *Security* menu.
"""

from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget, Select2Widget
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from app.lockout import LockoutSecurityManager
from app.role_labels import PERMISSION_LABELS, RESOURCE_LABELS, ROLE_LABELS
from app.security.roles import (
    ADMIN,
    ALL_RECTIFICATIONS,
    ALL_TASKS,
    GRANTS,
    READ,
    RECTIFICATIONS,
    ROLES,
    TASKS,
)

from .columns import blank_if_none, local_time, yes_no

ROLE_SEPARATOR = "、"

# Resources of which a role reads every row only with a verb of its own: without it, its own.
OWN_ROWS_UNLESS = {TASKS: ALL_TASKS, RECTIFICATIONS: ALL_RECTIFICATIONS}


def role_label(role) -> str:
    """A role (a FAB ``Role`` row) as staff read it: 财务, not Finance."""
    return str(ROLE_LABELS.get(role.name, role.name))


def role_labels(roles) -> str:
    """A user's roles, by name, in the order of ``ROLES``: 经理、审计."""
    order = {name: n for n, name in enumerate(ROLES)}
    ranked = sorted(roles or [], key=lambda role: (order.get(role.name, len(order)), role.name))
    return ROLE_SEPARATOR.join(role_label(role) for role in ranked)


def _role_rows(view):
    """The roles a user may be given: the six of ``ROLES`` in their order (not FAB's role of
    anonymous visitors, ``AUTH_ROLE_PUBLIC``)."""
    roles = view.datamodel.get_related_interface("roles")

    def rows():
        named = {role.name: role for role in roles.query()[1]}
        return [named[name] for name in ROLES if name in named]

    return rows


class UserView(UserDBModelView):
    """FAB's user screen (database sign-in) with role names, help and labels of our own."""

    # The permission name of FAB's screen, which every role's own-profile grant names (OWN_PROFILE).
    class_permission_name = "UserDBModelView"

    label_columns = {
        "get_full_name": _l("Full name"),
        "first_name": _l("Given name"),
        "last_name": _l("Family name"),
        "username": _l("Login name"),
        "password": _l("Password"),
        "conf_password": _l("Confirm the password"),
        "active": _l("Account enabled"),
        "email": _l("E-mail"),
        "roles": _l("Roles"),
        "last_login": _l("Last sign-in"),
        "login_count": _l("Sign-ins"),
        "fail_login_count": _l("Failed sign-ins in a row"),
        "created_on": _l("Created at"),
        "created_by": _l("Created by"),
        "changed_on": _l("Changed at"),
        "changed_by": _l("Changed by"),
    }
    description_columns = {
        "first_name": _l("Given name: screens show the full name, e.g. for a task's assignee."),
        "last_name": _l("Family name, shown before the given name."),
        "username": _l(
            "The name this person signs in with (unique); the audit log records their actions "
            "under it."
        ),
        "active": _l(
            "Untick when the person leaves or must not sign in for now: the account stays, with "
            "its history. Do not delete users."
        ),
        "email": _l(
            "Work e-mail, for contacting this staff member; unique. Not used for signing in."
        ),
        "roles": _l(
            "What this person may do: see the roles page in this menu. One role is usually "
            "enough; staff other than administrators and auditors also need their communities "
            "(Staff assignments)."
        ),
    }
    password_help = _l(
        "At least 10 characters with three of: lower case, upper case, digits, symbols. "
        "Tell it to the person, who changes it after signing in."
    )
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles"]
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Person"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (
            _l("Sign-ins and changes"),
            {
                "fields": [
                    "last_login",
                    "fail_login_count",
                    "created_on",
                    "created_by",
                    "changed_on",
                    "changed_by",
                ],
                "expanded": False,
            },
        ),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles"]
    add_columns = [*edit_columns, "password", "conf_password"]
    validators_columns: dict = {}  # FAB's asks for a role or a group: the role field does
    formatters_columns = {
        "roles": role_labels,
        "active": yes_no,
        **{col: blank_if_none for col in ("login_count", "fail_login_count")},
        **{col: blank_if_none for col in ("created_by", "changed_by")},
        **{col: local_time for col in ("last_login", "created_on", "changed_on")},
    }

    def __init__(self, **kwargs):
        roles = QuerySelectMultipleField(
            self.label_columns["roles"],
            description=self.description_columns["roles"],
            query_func=_role_rows(self),
            get_pk_func=lambda role: role.id,
            get_label=role_label,
            validators=[DataRequired()],
            widget=Select2ManyWidget(),
        )
        password = PasswordField(
            self.label_columns["password"],
            description=self.password_help,
            validators=[DataRequired(), PasswordComplexityValidator()],
            widget=BS3PasswordFieldWidget(),
        )
        confirm = PasswordField(
            self.label_columns["conf_password"],
            description=_l("Type the password again."),
            validators=[
                DataRequired(),
                EqualTo("password", message=_l("The two passwords differ.")),
            ],
            widget=BS3PasswordFieldWidget(),
        )
        self.add_form_extra_fields = {
            "roles": roles,
            "password": password,
            "conf_password": confirm,
        }
        self.edit_form_extra_fields = {"roles": roles}
        self.search_form_extra_fields = {
            "roles": QuerySelectField(
                self.label_columns["roles"],
                query_func=_role_rows(self),
                get_pk_func=lambda role: role.id,
                get_label=role_label,
                widget=Select2Widget(),
            )
        }
        super().__init__(**kwargs)


class NoGroupsView(BaseView):
    """In place of FAB's user-group screen, which FAB always registers: a view without a page
    (its menu item goes too, see ``WuyeSecurityManager.register_views``)."""


def role_cell(resource: str, verbs) -> list[str]:
    """What a role may do with ``resource`` (its verbs in ``GRANTS``), as labels."""
    labels = [str(label) for verb, label in PERMISSION_LABELS.items() if verb in verbs]
    labels += sorted(verb for verb in verbs if verb not in PERMISSION_LABELS)
    if READ in verbs and resource in OWN_ROWS_UNLESS and OWN_ROWS_UNLESS[resource] not in verbs:
        labels.append(str(_l("own only")))
    return labels


def role_table() -> list[dict]:
    """The roles page's rows: per resource granted to any role, each role's verbs (labels)."""
    granted = {resource for grants in GRANTS.values() for resource in grants}
    resources = [r for r in RESOURCE_LABELS if r in granted]
    resources += sorted(granted - set(RESOURCE_LABELS))
    return [
        {
            "resource": resource,
            "label": RESOURCE_LABELS.get(resource, resource),
            "cells": {
                role: role_cell(resource, grants.get(resource, ()))
                for role, grants in GRANTS.items()
            },
        }
        for resource in resources
    ]


class RolesView(BaseView):
    """The six roles and what each may do, read from ``GRANTS``: not editable (roles are code)."""

    route_base = "/roles"
    default_view = "index"
    # FAB's role screen's permission: only administrators hold it, as before.
    class_permission_name = "RoleModelView"
    method_permission_name = {"index": "list"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template(
            "admin/roles.html",
            title=_l("Roles and what they may do"),
            roles=[(role, ROLE_LABELS.get(role, role)) for role in ROLES],
            admin=ADMIN,
            rows=role_table(),
        )


class WuyeSecurityManager(LockoutSecurityManager):
    """The login lockout's security manager, with the user and role screens above."""

    userdbmodelview = UserView
    rolemodelview = RolesView
    groupmodelview = NoGroupsView

    def register_views(self):
        super().register_views()
        security = self.appbuilder.menu.find("Security")
        if security is not None:
            security.childs = [item for item in security.childs if item.name != "List Groups"]
