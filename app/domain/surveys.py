"""Satisfaction surveys (满意度调查, docs/domain.md §10): the dimensions, the scale and the figures.

Scores run from 1 to 5. A score of 4 or 5 counts as satisfied; a score of 2 or less calls for a
follow-up by customer service. Means are rounded half up to 2 places, rates are those of
``app.domain.rates`` (fractions to 4 places, ``None`` when there is nothing to divide by); a
change is the current figure minus the previous one, ``None`` when either is missing.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .rates import rate


class Dimension(StrEnum):
    """The default questions of every survey, in the order they are asked."""

    OVERALL = "overall"  # 总体满意度
    SECURITY = "security"  # 安保
    CLEANING = "cleaning"  # 保洁
    GREENING = "greening"  # 绿化
    FACILITIES = "facilities"  # 设施设备维护
    CUSTOMER_SERVICE = "customer_service"  # 客户服务
    FEE_TRANSPARENCY = "fee_transparency"  # 收费透明度


LOWEST, HIGHEST = 1, 5
SATISFIED_FROM = 4  # a score of at least this counts as satisfied
FOLLOW_UP_UP_TO = 2  # a score of at most this needs a follow-up
MEAN_PLACES = Decimal("0.01")


def valid_score(score) -> bool:
    return isinstance(score, int) and not isinstance(score, bool) and LOWEST <= score <= HIGHEST


def needs_follow_up(score: int) -> bool:
    return score <= FOLLOW_UP_UP_TO


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """``now − before``, or None when either is unknown."""
    return None if now is None or before is None else now - before


@dataclass(frozen=True)
class Figures:
    """One dimension's answers: how many, their mean and the share of satisfied ones."""

    answers: int
    mean: Decimal | None
    satisfaction_rate: Decimal | None


def figures(answers: int, total: int, satisfied: int) -> Figures:
    """The figures of ``answers`` scores summing to ``total``, ``satisfied`` of them ≥ 4."""
    mean = None
    if answers:
        mean = (Decimal(total) / Decimal(answers)).quantize(MEAN_PLACES, rounding=ROUND_HALF_UP)
    return Figures(answers, mean, rate(satisfied, answers))
