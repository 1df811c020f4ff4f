"""Late fees (违约金, docs/domain.md §5): simple daily interest on the unpaid principal, capped.

A bill due on ``due`` starts accruing on ``due + grace_days + 1``. Each day ``d`` accrues
``unpaid(d) × daily_rate``, where ``unpaid(d)`` is the principal less what was paid *before*
day ``d``: the day of payment still counts, as "days overdue = payment date − due date" says.
The total is capped at ``cap_ratio × principal`` and rounded to the fen once, at the end.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .money import ZERO, to_fen


@dataclass(frozen=True)
class LateFeeTerms:
    daily_rate: Decimal = Decimal("0.0005")
    grace_days: int = 0
    cap_ratio: Decimal = Decimal("1.0")


def late_fee(
    principal: Decimal,
    due: date,
    as_of: date,
    terms: LateFeeTerms,
    payments: Iterable[tuple[date, Decimal]] = (),
) -> Decimal:
    """The late fee of a bill as of ``as_of``; ``payments`` are (date, principal paid)."""
    first_day = due + timedelta(days=terms.grace_days + 1)
    if as_of < first_day or principal <= 0:
        return ZERO
    total = Decimal(0)
    unpaid = Decimal(principal)
    day = first_day
    # Payments before the first accruing day only lower the starting balance.
    for paid_on, amount in sorted(payments):
        if paid_on < day:
            unpaid -= amount
            continue
        if paid_on >= as_of:
            break
        # Days ``day`` .. ``paid_on`` accrue on ``unpaid``; the payment counts from the next day.
        total += max(unpaid, ZERO) * terms.daily_rate * ((paid_on - day).days + 1)
        unpaid -= amount
        day = paid_on + timedelta(days=1)
    total += max(unpaid, ZERO) * terms.daily_rate * ((as_of - day).days + 1)
    return to_fen(min(total, principal * terms.cap_ratio))
