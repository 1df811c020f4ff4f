"""The nightly ledger check: every bill's cached ``paid`` and ``balance`` against its
allocations (``verify_ledger``). A disagreement fails the job, listing the bills, so it shows up
among the failures on the Jobs screen."""

from app.extensions import unit_of_work
from app.services.accounts import verify_ledger

LISTED = 20


class LedgerMismatchError(Exception):
    """The cached totals of some bills disagree with their allocations."""


def check_ledger(as_of: str) -> None:
    """Check the whole ledger (``as_of``: the business date of the nightly slot)."""
    with unit_of_work() as session:
        problems = verify_ledger(session)
    if not problems:
        return
    lines = [
        f"bill {bill_id}: {field} is {cached}, the allocations give {recomputed}"
        for bill_id, field, cached, recomputed in problems[:LISTED]
    ]
    if len(problems) > LISTED:
        lines.append(f"... and {len(problems) - LISTED} more")
    raise LedgerMismatchError(
        f"ledger check of {as_of}: {len(problems)} disagreement(s)\n" + "\n".join(lines)
    )
