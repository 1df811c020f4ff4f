"""What every key figure (docs/domain.md §12) shares: the period's month and its last day,
summed amounts as exact fen (compared within half a fen: SQLite sums decimals as floating point),
and the conditions on communities and on approved principal waivers. The figures themselves:
``app.services.kpi`` and the modules it names.
"""

from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_

from app.domain.money import to_fen
from app.models import Waiver
from app.services.errors import Problems

HALF_FEN = Decimal("0.005")


def money(value) -> Decimal:
    """A summed amount as exact fen (SQLite returns sums as floats)."""
    return to_fen(Decimal(str(value or 0)))


def month_of(period) -> date:
    """The first day of ``period`` ("YYYY-MM", or any day of the month).

    :raises DomainError: naming ``period`` when it is no month.
    """
    problems = Problems()
    month = problems.month("period", period)
    problems.raise_if_any()
    assert month is not None  # else raise_if_any raised
    return month


def next_month(month: date) -> date:
    return month + relativedelta(months=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def scoped(column, community_ids):
    return [] if community_ids is None else [column.in_(community_ids)]


def approved_principal():
    return and_(Waiver.status == "approved", Waiver.part == "principal")
