"""Arrears as of a day: ``GET /api/v1/arrears/`` (overdue accounts), ``…/aging`` (per community
and bucket) and ``…/warning`` (bills falling due or overdue). Query parameters, all optional:
``as_of`` (YYYY-MM-DD, default today), ``community_id``; for the accounts also ``bucket``
(``1-30``, ``31-90``, ``91-180``, ``181-365``, ``365+``) and ``min_amount``."""

from dataclasses import asdict
from datetime import date
from decimal import Decimal

from flask import request
from flask_appbuilder.api import BaseApi

from app.extensions import db
from app.security.scoping import visible_community_ids
from app.services.arrears import aging_summary, early_warning, find_overdue_accounts, parse_query
from app.services.errors import DomainError

from .actions import action


def plain(value):
    """JSON for a finder's value: amounts as decimal strings, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


class ArrearsApi(BaseApi):
    resource_name = "arrears"
    class_permission_name = "Arrears"
    method_permission_name = {"accounts": "read", "aging": "read", "warning": "read"}
    openapi_spec_tag = "Arrears"
    allow_browser_login = True

    def _answer(self, finder, key: str, *filters: str):
        try:
            query = parse_query(request.args, visible_community_ids())
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        options = {name: getattr(query, name) for name in filters}
        rows = finder(db.session, query.as_of, query.community_ids, **options)
        return self.response(
            200, as_of=query.as_of.isoformat(), **{key: [plain(asdict(r)) for r in rows]}
        )

    @action("/", method="GET", answers="accounts, oldest debt first")
    def accounts(self):
        """Overdue accounts: unit, owner, overdue balance, oldest due date, days, bucket."""
        return self._answer(find_overdue_accounts, "accounts", "bucket", "min_amount")

    @action("/aging", method="GET", answers="one row per community")
    def aging(self):
        """Per community: overdue units and amount in each aging bucket."""
        return self._answer(aging_summary, "communities")

    @action("/warning", method="GET", answers="bills, soonest due first")
    def warning(self):
        """The early-warning list: bills due within ``warn_days`` and bills overdue."""
        return self._answer(early_warning, "bills")


APIS = (ArrearsApi,)
