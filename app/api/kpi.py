"""Key figures (docs/domain.md §12) under ``/api/v1/kpi/``, from ``app.services.kpi``.

Query parameters, all optional: ``period`` (YYYY-MM, default the month of ``as_of``), ``as_of``
(YYYY-MM-DD, default today), ``community_id`` (default: every community the caller may see;
one it may not see answers 404); for the range-based figures ``start`` and ``end``
(YYYY-MM-DD, default the period's days up to ``as_of``). A bad value answers 400 naming the
field. Amounts are decimal strings (``"507.50"``); rates are decimal strings holding a fraction
to 4 places (``"0.6591"`` = 65.91 %), or null when there is nothing to divide by.
"""

from dataclasses import asdict

from flask import request
from flask_appbuilder.api import BaseApi
from marshmallow import Schema, fields

from app.extensions import db
from app.security.scoping import visible_community_ids
from app.services import kpi
from app.services.errors import DomainError

from .actions import action
from .arrears import plain

ENDPOINTS = ("collection", "year_to_date", "monthly", "old_arrears", "dunning_funnel", "collectors")


class KpiQuery(Schema):
    period = fields.String(metadata={"example": "2026-03"})
    as_of = fields.Date()
    community_id = fields.Integer()


class KpiApi(BaseApi):
    resource_name = "kpi"
    class_permission_name = "KPI"
    method_permission_name = dict.fromkeys(ENDPOINTS, "read")
    openapi_spec_tag = "Key figures"
    allow_browser_login = True

    def _answer(self, figures):
        """Parse the query, call ``figures(query)`` for a dict, answer it as JSON."""
        try:
            query = kpi.parse_query(request.args, visible_community_ids())
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        community_id = request.args.get("community_id")
        return self.response(
            200,
            community_id=int(community_id) if community_id else None,
            **plain(figures(query)),
        )

    @action("/collection", method="GET", query=KpiQuery, answers="the figures")
    def collection(self):
        """Collection rate, household rate and overdue rate of a period as of a day:
        ``collection_rate`` = ``collected`` ÷ (``billed`` − ``waived``) on the bills of
        ``period``, money counted up to the end of ``as_of``; ``household_rate`` =
        ``units_paid`` ÷ ``units_billed``; ``overdue_rate`` = ``overdue_balance`` ÷
        ``balance_due`` on ``as_of``. Amounts and rates are decimal strings, a rate null when
        undefined."""
        return self._answer(
            lambda q: asdict(kpi.collection_figures(db.session, q.period, q.as_of, q.community_ids))
        )

    @action("/year_to_date", method="GET", answers="the figures, as for /kpi/collection")
    def year_to_date(self):
        """The collection figures over January to ``period`` of its year."""
        return self._answer(
            lambda q: asdict(kpi.year_to_date(db.session, q.period, q.as_of, q.community_ids))
        )

    @action("/monthly", method="GET", answers="rates, oldest month first")
    def monthly(self):
        """The collection rate of the 12 months ending with ``period``, each as of its month's
        end and as of ``as_of``."""
        return self._answer(
            lambda q: {
                "rates": [
                    asdict(r)
                    for r in kpi.monthly_collection_rates(
                        db.session, q.period, q.as_of, q.community_ids
                    )
                ]
            }
        )

    @action("/old_arrears", method="GET", answers="recovered, still_open, recovery_rate")
    def old_arrears(self):
        """Old-arrears recovery (清缴率) of ``period``: arrears of earlier periods recovered in
        it ÷ (recovered + still open)."""
        return self._answer(
            lambda q: asdict(
                kpi.old_arrears_recovery(db.session, q.period, q.as_of, q.community_ids)
            )
        )

    @action("/dunning_funnel", method="GET", answers="one row per level: actions, units, amount")
    def dunning_funnel(self):
        """Dunning actions per level scheduled from ``start`` to ``end``."""
        return self._answer(
            lambda q: {
                "start": q.start,
                "end": q.end,
                "levels": [
                    asdict(s)
                    for s in kpi.dunning_funnel(db.session, q.start, q.end, q.community_ids)
                ],
            }
        )

    @action("/collectors", method="GET", answers="one row per staff member, by name")
    def collectors(self):
        """Each staff member's clearance rate and score over the collection campaigns running
        from ``start`` to ``end``."""
        return self._answer(
            lambda q: {
                "start": q.start,
                "end": q.end,
                "collectors": [
                    asdict(s)
                    for s in kpi.collector_scores(db.session, q.start, q.end, q.community_ids)
                ],
            }
        )


APIS = (KpiApi,)
