"""Installment agreements for the API and screen tests (docs/domain.md §8)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.models import Bill, Tariff
from app.services.billing import run_billing
from app.services.installments import attach_scan, draft_installment

AGREED_ON = date(2026, 4, 15)
SCAN = b"%PDF-1.4 signed agreement"


def bill_first_quarter(session) -> None:
    """Both communities billed January to March 2026 without late fees (committed): unit 1
    (A, 1-1-101, A业主甲) and unit 3 (B, 1-1-101) owe ¥611.25 each, in bills of ¥203.75."""
    for tariff in session.scalars(select(Tariff)):
        tariff.late_fee_daily_rate = Decimal("0")
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1))
    session.commit()


def bill_ids(session, unit_id: int) -> list[int]:
    return list(
        session.scalars(select(Bill.id).where(Bill.unit_id == unit_id).order_by(Bill.due_date))
    )


def draft_body(**changes) -> dict:
    """All arrears of unit 1 on 15 April: ¥100 down, three monthly instalments from 10 May."""
    return {
        "unit_id": 1,
        "agreed_on": AGREED_ON.isoformat(),
        "down_payment": "100.00",
        "instalments": 3,
        "first_due": "2026-05-10",
    } | changes


def signed_draft(session, unit_id: int) -> int:
    """A draft of all of ``unit_id``'s arrears by customer service, its scan attached
    (committed); its id."""
    agreement = draft_installment(
        session,
        unit_id,
        agreed_on=AGREED_ON,
        down_payment="100",
        count=3,
        first_due=date(2026, 5, 10),
        actor="customerservice",
    )
    attach_scan(session, agreement.id, SCAN)
    session.commit()
    return agreement.id
