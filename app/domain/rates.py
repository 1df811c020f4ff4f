"""Rates of the key figures (docs/domain.md §12): one way to divide, round and show them.

A rate is a ``Decimal`` fraction to 4 places, rounded half-up (0.8125 = 81.25 %), or None when
there is nothing to divide by; it is shown as a percentage with one decimal ("81.3%").
"""

from decimal import ROUND_HALF_UP, Decimal

RATE_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.1")


def rate(numerator, denominator) -> Decimal | None:
    """``numerator ÷ denominator`` to 4 places, half-up; None when the denominator is not
    positive (no money billed, no arrears, no unit: the rate is undefined, not 0 or 100 %)."""
    if denominator is None or Decimal(denominator) <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def format_percent(value: Decimal | None, empty: str = "—") -> str:
    """A rate as a percentage with one decimal: ``Decimal("0.8125")`` -> ``"81.3%"``."""
    if value is None:
        return empty
    return f"{(Decimal(value) * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)}%"
