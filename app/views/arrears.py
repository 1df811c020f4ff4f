"""Arrears screens: overdue accounts with the aging summary, and the early-warning list.

Both read the same finders as ``/api/v1/arrears/`` with the same query parameters.
"""

from flask import flash, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.domain.aging import BUCKET_KEYS
from app.extensions import db
from app.security import visible_community_ids
from app.services.arrears import (
    ArrearsQuery,
    aging_summary,
    early_warning,
    find_overdue_accounts,
    parse_query,
)
from app.services.errors import DomainError
from app.services.settings import business_date

from .base import refusal_text
from .payments import my_communities


def _query() -> ArrearsQuery:
    """The page's filters; on bad ones, say why and show today's figures unfiltered."""
    visible = visible_community_ids()
    try:
        return parse_query(request.args, visible)
    except DomainError as err:
        flash(refusal_text(err), "danger")
        return ArrearsQuery(business_date(), visible)


class ArrearsView(BaseView):
    """Overdue accounts as of a day, filtered by community, bucket and amount."""

    route_base = "/arrears"
    class_permission_name = "Arrears"
    method_permission_name = {"accounts": "read"}
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
            accounts=find_overdue_accounts(
                db.session,
                query.as_of,
                query.community_ids,
                bucket=query.bucket,
                min_amount=query.min_amount,
            ),
        )


class EarlyWarningView(BaseView):
    """Bills falling due within the warning days, and bills overdue."""

    route_base = "/arrears/warning"
    class_permission_name = "Arrears"
    method_permission_name = {"bills": "read"}
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
            bills=early_warning(db.session, query.as_of, query.community_ids),
        )
