"""The dashboard (经营看板): a community's — or all of the user's communities' — key figures of
a period at a glance, with charts. Every figure comes from ``app.services.kpi`` (the same as
``/api/v1/kpi/``); the charts are server-side SVG (``reports.charts``)."""

from flask import flash, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.domain.aging import BUCKET_KEYS
from app.extensions import db
from app.models.complaints import ComplaintCategory
from app.security.roles import APPROVE
from app.security.scoping import has_permission, visible_community_ids
from app.services import kpi
from app.services.approvals import awaiting_decision
from app.services.arrears import aging_summary
from app.services.errors import DomainError
from reports.charts import bar_chart, line_chart

from .forms import my_communities
from .row_actions import refusal_text


def _query() -> kpi.KpiQuery:
    """The page's filters; on bad ones, say why and show this month's figures."""
    visible = visible_community_ids()
    try:
        return kpi.parse_query(request.args, visible)
    except DomainError as err:
        flash(refusal_text(err), "danger")
        return kpi.parse_query({}, visible)


def _rates_chart(months: list[kpi.MonthlyRate]):
    return line_chart(
        [m.period for m in months],
        {
            str(_l("At month end")): [m.at_month_end for m in months],
            str(_l("To date")): [m.to_date for m in months],
        },
        title=_l("Collection rate by month"),
        width=760,
    )


def _aging_chart(query: kpi.KpiQuery):
    rows = aging_summary(db.session, query.as_of, query.community_ids)
    amounts = [sum((row.buckets[key][1] for row in rows), 0) for key in BUCKET_KEYS]
    return bar_chart(
        [str(_l("%(days)s days", days=key)) for key in BUCKET_KEYS],
        [amount if rows else None for amount in amounts],
        title=_l("Arrears by age (¥)"),
        unit="¥",
    )


def _complaints_chart(query: kpi.KpiQuery):
    counts = kpi.complaints_by_category(db.session, query.start, query.end, query.community_ids)
    return bar_chart(
        [str(ComplaintCategory(category).label) for category, _ in counts],
        [count for _, count in counts],
        title=_l("Complaints by category"),
        unit="",
        horizontal=True,
    )


def _satisfaction_chart(surveys):
    """One community's latest survey as bars; several are shown as a table instead."""
    if len(surveys) != 1:
        return None
    (survey,) = surveys
    return bar_chart(
        [str(d.label) for d in survey.dimensions],
        [d.satisfaction_rate for d in survey.dimensions],
        title=_l("Satisfaction by dimension (scores of 4 or 5)"),
        horizontal=True,
    )


def _satisfaction_table(surveys) -> tuple[list, list]:
    """Several communities' latest surveys: the dimensions (in survey order) and per community
    its satisfaction rate of each (None where its survey did not ask)."""
    labels = {}
    for survey in surveys:
        for d in survey.dimensions:
            labels.setdefault(d.dimension, d.label)
    rows = [
        (survey, [{d.dimension: d for d in survey.dimensions}.get(key) for key in labels])
        for survey in surveys
    ]
    return list(labels.values()), rows


def _decides() -> bool:
    """Whether the user decides waivers, installment agreements or legal actions."""
    resources = ("Waiver", "InstallmentAgreement", "DunningAction")
    return any(has_permission(APPROVE, resource) for resource in resources)


class DashboardView(BaseView):
    """Key figures of a period as of a day, for one community or all of the user's."""

    route_base = "/dashboard"
    class_permission_name = "KPI"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        query = _query()
        ids = query.community_ids
        surveys = kpi.satisfaction_summary(db.session, query.as_of, ids)
        overview = kpi.collection_overview(db.session, query.period, query.as_of, ids)
        return self.render_template(
            "dashboard/index.html",
            title=_l("Dashboard"),
            query=query,
            today=business_date(),
            args=request.args,
            communities=my_communities(),
            figures=overview.figures,
            ytd_rate=overview.year_to_date_rate,
            old=kpi.old_arrears_recovery(db.session, query.period, query.as_of, ids),
            complaints=kpi.complaint_kpis(db.session, query.start, query.end, ids),
            surveys=surveys,
            satisfaction=_satisfaction_table(surveys),
            by_community=(
                kpi.collection_by_community(db.session, query.period, query.as_of, ids)
                if ids is None or len(ids) > 1
                else []
            ),
            awaiting=(awaiting_decision(db.session, ids) if _decides() else None),
            charts={
                "rates": _rates_chart(overview.monthly),
                "aging": _aging_chart(query),
                "complaints": _complaints_chart(query),
                "satisfaction": _satisfaction_chart(surveys),
            },
        )
