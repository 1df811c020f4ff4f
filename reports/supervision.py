"""The monthly supervision-check report (监督检查报告, docs/domain.md): every figure of a month for
one community or company-wide, its charts, and the PDF of ``templates/supervision_report.html``.

The figures come from the key-figures service (``app.services.kpi``, which also answers for the
installment, complaint and survey figures), the arrears aging (``app.services.arrears``) and the
rectification ledger; nothing here defines a figure: it picks the month's dates, gathers the
figures and draws their charts (``reports.charts``). The month is counted to its last day, or to
today while it runs. Its rows (scope, number, file, the stored report) are
``app.services.supervision_report``.
"""

from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.aging import BUCKET_KEYS
from app.domain.money import ZERO
from app.models import Community
from app.models.complaints import ComplaintCategory
from app.models.installments import InstallmentStatus
from app.models.supervision import CheckKind, RectificationStatus, Severity
from app.services import kpi
from app.services.arrears import aging_summary
from app.services.collection_report import end_of_day
from app.services.errors import DomainError
from app.services.rows import visible_rows
from app.services.supervision_ledger import checks_summary, ledger_counts, rectification_ledger
from app.services.supervision_report import report_number, report_scope
from reports import render_batch
from reports.charts import bar_chart, line_chart

TEMPLATE = "supervision_report.html"
LANG = "zh"
TREND_MONTHS = 12
OUTSTANDING = (RectificationStatus.OVERDUE, RectificationStatus.OPEN, RectificationStatus.RECTIFIED)


def _aging(session: Session, as_of: date, ids) -> dict:
    """The aging table: each community's overdue money per bucket, and the total."""
    rows = aging_summary(session, as_of, ids)
    total = {
        key: (
            sum(row.buckets[key][0] for row in rows),
            sum((row.buckets[key][1] for row in rows), ZERO),
        )
        for key in BUCKET_KEYS
    }
    amounts = [amount for _units, amount in total.values()]
    return {
        "rows": rows,
        "total": total,
        "units": sum(row.units for row in rows),
        "amount": sum((row.amount for row in rows), ZERO),
        "chart": bar_chart(
            [_l("%(days)s days", days=key) for key in BUCKET_KEYS],
            amounts,
            title=_l("Overdue money by days overdue (¥)"),
            unit="¥",
        ),
    }


def report_context(session: Session, period, community_id=None, today: date | None = None):
    """The report of ``period`` (YYYY-MM) for ``community_id`` (None: company-wide).

    :raises DomainError: for a month that is no month or has not begun.
    :raises NotFoundError: see ``report_scope``.
    """
    community = report_scope(session, community_id)
    month = kpi.month_of(period)
    today = today or business_date()
    if month > today:
        raise DomainError(period=_l("This month has not begun."))
    end = month + relativedelta(months=1) - timedelta(days=1)
    as_of = min(end, today)
    ids = None if community is None else {community.id}
    period = f"{month:%Y-%m}"

    trend = kpi.monthly_collection_rates(session, period, as_of, ids, months=TREND_MONTHS)
    funnel = kpi.dunning_funnel(session, month, as_of, ids)
    complaints_now = min(end_of_day(as_of), datetime.now(UTC))
    categories = kpi.complaints_by_category(session, month, as_of, ids)
    ledger = rectification_ledger(session, as_of, ids)
    installments = kpi.installment_counts(session, as_of, ids)
    communities = session.scalars(visible_rows(Community, ids).order_by(Community.code)).all()
    return {
        "number": report_number(month, community),
        "issuer": {
            "name": community.name if community else _l("All communities"),
            "address": community.address if community else "",
            "phone": community.phone if community else "",
        },
        "stamp": None,
        "scope": community.name if community else _l("Company-wide"),
        "month": month,
        "as_of": as_of,
        "complete": as_of == end,
        "collection": kpi.collection_figures(session, period, as_of, ids),
        "year_to_date": kpi.year_to_date(session, period, as_of, ids),
        "per_community": [
            (c.name, kpi.collection_figures(session, period, as_of, {c.id})) for c in communities
        ]
        if community is None
        else [],
        "trend_chart": line_chart(
            [m.period[2:] for m in trend],  # "26-03": twelve fit under the axis
            {_l("Collection rate at month end"): [m.at_month_end for m in trend]},
            title=_l("Collection rate of the last 12 months"),
        ),
        "aging": _aging(session, as_of, ids),
        "old_arrears": kpi.old_arrears_recovery(session, period, as_of, ids),
        "funnel": funnel,
        "funnel_chart": bar_chart(
            [f"{step.level} {step.name}" for step in funnel],
            [step.actions for step in funnel],
            title=_l("Dunning actions by level"),
            unit="",
            horizontal=True,
        ),
        "installments": [
            (InstallmentStatus(status).label, count) for status, count in installments.items()
        ],
        "complaints": kpi.complaint_kpis(session, month, as_of, ids, now=complaints_now),
        "complaints_chart": bar_chart(
            [ComplaintCategory(category).label for category, _n in categories],
            [n for _category, n in categories],
            title=_l("Complaints by category"),
            unit="",
            horizontal=True,
        ),
        "satisfaction": kpi.satisfaction_summary(session, as_of, ids),
        "checks": _checks(checks_summary(session, month, as_of, ids)),
        "ledger_counts": [
            (RectificationStatus(status).label, count)
            for status, count in ledger_counts(ledger).items()
        ],
        "outstanding": [
            {
                "community": line.community,
                "checked_on": line.checked_on,
                "severity": Severity(line.severity).label,
                "description": line.description,
                "responsible": line.responsible,
                "deadline": line.deadline,
                "status": RectificationStatus(line.status).label,
                "days_overdue": line.days_overdue,
            }
            for line in ledger
            if line.status in OUTSTANDING
        ],
        "collectors": kpi.collector_scores(session, month, as_of, ids),
    }


def _checks(summary) -> dict:
    return {
        "kinds": [(CheckKind(kind).label, n) for kind, n in summary.checks.items()],
        "severities": [(Severity(s).label, n) for s, n in summary.findings.items()],
        "total": sum(summary.checks.values()),
        "findings": sum(summary.findings.values()),
    }


def report_document(session, period: str, community_id=None, lang: str = LANG) -> dict:
    """The report's context, its labels and charts in ``lang``."""
    with force_locale(lang):
        return report_context(session, period, community_id)


def render(context: dict, lang: str = LANG) -> tuple[bytes, int]:
    """The report as a PDF, and its page count."""
    batch = render_batch(TEMPLATE, [context], lang)
    return batch.write_pdf(), len(batch.document.pages)
