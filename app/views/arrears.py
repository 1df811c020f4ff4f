"""Arrears screens: overdue accounts with the aging summary, and the early-warning list.

Both read the same finders as ``/api/v1/arrears/`` with the same query parameters, and export
their lists (CSV or XLSX) under those filters.
"""

from flask import abort, flash, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.domain.aging import BUCKET_KEYS
from app.extensions import db
from app.security.roles import READ
from app.security.scoping import has_permission, visible_community_ids
from app.services.arrears import (
    ArrearsQuery,
    aging_summary,
    early_warning,
    find_overdue_accounts,
    parse_query,
)
from app.services.errors import DomainError

from .base import export_links, send_rows
from .forms import my_communities
from .pages import page_of
from .row_actions import refusal_text


def _query() -> ArrearsQuery:
    """The page's filters; on bad ones, say why and show today's figures unfiltered."""
    visible = visible_community_ids()
    try:
        return parse_query(request.args, visible)
    except DomainError as err:
        flash(refusal_text(err), "danger")
        return ArrearsQuery(business_date(), visible)


def _export_query() -> ArrearsQuery:
    """The filters of an export: bad ones are refused (nothing to show them on)."""
    try:
        return parse_query(request.args, visible_community_ids())
    except DomainError as err:
        abort(err.status)


def _statement_links() -> bool:
    """Whether a unit links to its account statement (collectors read arrears, not bills)."""
    return has_permission(READ, "Bill")


def _accounts(query: ArrearsQuery):
    return find_overdue_accounts(
        db.session,
        query.as_of,
        query.community_ids,
        bucket=query.bucket,
        min_amount=query.min_amount,
    )


class ArrearsView(BaseView):
    """Overdue accounts as of a day, filtered by community, bucket and amount."""

    route_base = "/arrears"
    class_permission_name = "Arrears"
    method_permission_name = {"accounts": "read", "export": "export"}
    default_view = "accounts"

    @expose("/")
    @has_access
    def accounts(self):
        query = _query()
        return self.render_template(
            "arrears/accounts.html",
            title=_l("Arrears"),
            query=query,
            args=request.args,
            communities=my_communities(),
            buckets=BUCKET_KEYS,
            aging=aging_summary(db.session, query.as_of, query.community_ids),
            accounts=page_of(_accounts(query)),
            exports=export_links(self),
            statement_links=_statement_links(),
        )

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        """The overdue accounts under the page's filters."""
        header = [
            gettext("Community"),
            gettext("Unit"),
            gettext("Owner"),
            gettext("Overdue (¥)"),
            gettext("Bills"),
            gettext("Oldest due date"),
            gettext("Days overdue"),
            gettext("Aging"),
        ]
        rows = [
            [
                a.community,
                a.unit,
                a.owner,
                a.overdue,
                a.bills,
                a.oldest_due,
                a.days_overdue,
                a.bucket,
            ]
            for a in _accounts(_export_query())
        ]
        return send_rows(fmt, "arrears", header, rows)


class EarlyWarningView(BaseView):
    """Bills falling due within the warning days, and bills overdue."""

    route_base = "/arrears/warning"
    class_permission_name = "Arrears"
    method_permission_name = {"bills": "read", "export": "export"}
    default_view = "bills"

    @expose("/")
    @has_access
    def bills(self):
        query = _query()
        return self.render_template(
            "arrears/warning.html",
            title=_l("Early warning"),
            query=query,
            args=request.args,
            communities=my_communities(),
            bills=page_of(early_warning(db.session, query.as_of, query.community_ids)),
            exports=export_links(self),
            statement_links=_statement_links(),
        )

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        """The early-warning bills; days overdue are negative for bills not yet due."""
        query = _export_query()
        header = [
            gettext("Community"),
            gettext("Unit"),
            gettext("Owner"),
            gettext("Bill"),
            gettext("Due date"),
            gettext("Balance (¥)"),
            gettext("Days overdue"),
        ]
        rows = [
            [b.community, b.unit, b.owner, b.number, b.due_date, b.balance, b.days]
            for b in early_warning(db.session, query.as_of, query.community_ids)
        ]
        return send_rows(fmt, "early_warning", header, rows)
