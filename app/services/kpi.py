"""Key figures (docs/domain.md §12): the one service the dashboard, the API, the supervision report
and the exports take their figures from. Read-only; ``community_ids`` None means every community.

Definitions, all on principal (fees billed; late fees are not part of them):

- A bill counts when it is live (not cancelled). Money counts on the day it was paid
  (``Payment.paid_at``, business time): a statement imported on the 1st still counts for the
  31st, and a reversal counts, negatively, on the day it was made. "By D" means up to the end
  of business day D. A waiver counts from the day it was approved.
- **Collection rate**, **household rate**, **year to date** and **overdue rate**:
  ``app.services.kpi_collection``.
- The principal outstanding and **old-arrears recovery** (清缴率): ``app.services.kpi_arrears``.
- **Dunning funnel** and **collector score**: ``app.services.kpi_work``.

Rates are ``app.domain.rates.rate`` fractions (4 places, half-up) or None. Every figure is one
or two aggregate queries (set-based) whatever the number of units, reading only the bills it
concerns (``bench/kpi.py`` measures them and checks them against a naive loop). Amounts are
compared within half a fen: SQLite sums decimals as floating point (``app.services.kpi_periods``).

This module checks what a screen or API call asks for (``parse_query``). The key figures, this
slice's and the other slices' (``installment_counts``, ``complaint_kpis``,
``complaints_by_category``, ``satisfaction_summary``), are re-exported here, so that every edge
takes its figures from this one module.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.services.complaint_figures import complaint_kpis, complaints_by_category
from app.services.errors import Problems
from app.services.filters import community_arg, day_arg, month_arg
from app.services.installment_figures import installment_counts
from app.services.kpi_arrears import OldArrearsRecovery, old_arrears_recovery, outstanding
from app.services.kpi_collection import (
    CollectionFigures,
    CollectionOverview,
    MonthlyRate,
    collection_by_community,
    collection_figures,
    collection_overview,
    monthly_collection_rates,
    year_to_date,
)
from app.services.kpi_periods import month_end, month_of
from app.services.kpi_work import CollectorScore, FunnelStep, collector_scores, dunning_funnel
from app.services.survey_results import satisfaction_summary

# Every key figure, this slice's and the other slices', re-exported: every edge takes them from
# here.
__all__ = [
    "CollectionFigures",
    "CollectionOverview",
    "CollectorScore",
    "FunnelStep",
    "KpiQuery",
    "MonthlyRate",
    "OldArrearsRecovery",
    "collection_by_community",
    "collection_figures",
    "collection_overview",
    "collector_scores",
    "complaint_kpis",
    "complaints_by_category",
    "dunning_funnel",
    "installment_counts",
    "month_of",
    "monthly_collection_rates",
    "old_arrears_recovery",
    "outstanding",
    "parse_query",
    "satisfaction_summary",
    "year_to_date",
]


@dataclass(frozen=True)
class KpiQuery:
    """What a screen or API call asked for, checked: the period (its first day), the day the
    figures are taken on, the communities, and the days of the range-based figures (the
    period's days up to ``as_of``)."""

    period: date
    as_of: date
    community_ids: set[int] | None
    start: date
    end: date


def parse_query(args: Mapping[str, str], visible: set[int] | None) -> KpiQuery:
    """Check ``period`` (YYYY-MM, default: the month of ``as_of``), ``as_of`` (default today),
    ``community_id``, ``start`` and ``end`` (default: the period's first and last day, but not
    after ``as_of``), all optional; ``visible`` are the caller's communities (None: all).

    :raises DomainError: naming each bad field.
    :raises NotFoundError: for a community the caller may not see.
    """
    problems = Problems()
    as_of = day_arg(problems, args, "as_of", business_date())
    period = month_arg(problems, args, "period", as_of.replace(day=1))
    community_ids = community_arg(problems, args, visible)
    start = day_arg(problems, args, "start", period)
    end = day_arg(problems, args, "end", max(start, min(month_end(period), as_of)))
    problems.check(start <= end, "end", _l("The end lies before the start."))
    problems.raise_if_any()
    return KpiQuery(period, as_of, community_ids, start, end)
