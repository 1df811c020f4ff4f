"""Allocation of a payment to a unit's open bills (docs/domain.md §4).

Oldest due date first (then the lower bill id); within a bill, principal before late fee. A
bill's late fee is payable only once its principal is settled. What is left becomes credit.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import ZERO


@dataclass(frozen=True)
class OpenBill:
    bill_id: int
    due_date: date
    principal: Decimal  # outstanding principal
    late_fee: Decimal = ZERO  # outstanding late fee, payable once the principal is settled


@dataclass(frozen=True)
class Allocation:
    bill_id: int
    principal: Decimal
    late_fee: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.late_fee


def allocate(amount: Decimal, bills: Iterable[OpenBill]) -> tuple[list[Allocation], Decimal]:
    """Split ``amount`` over ``bills``; return the allocations and the credit left over."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    left = Decimal(amount)
    allocations = []
    for bill in sorted(bills, key=lambda b: (b.due_date, b.bill_id)):
        if left <= 0:
            break
        principal = min(left, bill.principal)
        left -= principal
        late_fee = ZERO
        if principal == bill.principal and bill.late_fee > 0:
            late_fee = min(left, bill.late_fee)
            left -= late_fee
        if principal or late_fee:
            allocations.append(Allocation(bill.bill_id, principal, late_fee))
    return allocations, left
