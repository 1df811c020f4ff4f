"""Cancelling and re-issuing bills (docs/domain.md §3)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.models import Bill, Unit
from app.services.accounts import verify_ledger
from app.services.billing import run_billing
from app.services.bills import cancel_bill, reissue_bill
from app.services.errors import DomainError, NotFoundError
from app.services.ledger import unit_credit
from app.services.payments import record_payment

MARCH_10 = datetime(2026, 3, 10, 2, tzinfo=UTC)


@pytest.fixture
def bill(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    return session.scalar(select(Bill).where(Bill.unit_id == 1))


def test_cancelling_a_paid_bill_turns_its_payment_into_credit(session, bill):
    record_payment(session, 1, "203.75", "cash", paid_at=MARCH_10)
    cancel_bill(session, bill.id, "面积录错", actor="finance")
    assert (bill.status, bill.cancel_reason, bill.paid, bill.balance) == (
        "cancelled",
        "面积录错",
        D("0.00"),
        D("0.00"),
    )
    assert all(line.cancelled for line in bill.lines)
    assert unit_credit(session, 1) == D("203.75")
    assert verify_ledger(session) == []


def test_reissue_bills_again_with_corrected_data_and_applies_the_credit(session, bill):
    record_payment(session, 1, "203.75", "cash", paid_at=MARCH_10)
    session.get(Unit, 1).area = D("80.00")
    new = reissue_bill(session, bill.id, "面积更正为 80.00", actor="finance")
    assert (new.replaces_id, new.total, new.paid, new.status) == (
        bill.id,
        D("200.00"),
        D("200.00"),
        "paid",
    )
    assert new.number != bill.number
    assert unit_credit(session, 1) == D("3.75")
    assert verify_ledger(session) == []


def test_reasons_are_required_and_cancel_happens_once(session, bill):
    with pytest.raises(DomainError) as info:
        cancel_bill(session, bill.id, "  ")
    assert "reason" in info.value.messages
    cancel_bill(session, bill.id, "重复")
    with pytest.raises(DomainError):
        cancel_bill(session, bill.id, "重复")
    with pytest.raises(NotFoundError):
        cancel_bill(session, 999, "x")
