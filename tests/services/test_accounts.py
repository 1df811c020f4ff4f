"""Account statements as of a date, and the ledger check."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from app.models import Bill, Unit
from app.services.accounts import account_statement, verify_ledger
from app.services.billing import run_billing
from app.services.errors import NotFoundError
from app.services.payments import record_payment


@pytest.fixture
def unit(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    run_billing(session, date(2026, 4, 1), community_id=1)
    return session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))


def test_a_statement_shows_late_fees_to_date_and_the_credit(session, unit):
    record_payment(session, unit.id, "100", "cash", paid_at=datetime(2026, 3, 10, 2, tzinfo=UTC))
    statement = account_statement(session, unit.id, date(2026, 4, 10))
    march, april = statement.lines
    # March: 103.75 unpaid for 10 days -> 0.52 late fee; April: not due yet
    assert (march.principal_due, march.late_fee, march.balance) == (
        D("103.75"),
        D("0.52"),
        D("104.27"),
    )
    assert (april.principal_due, april.late_fee, april.balance) == (
        D("203.75"),
        D("0.00"),
        D("203.75"),
    )
    assert (statement.credit, statement.total_due) == (D("0.00"), D("308.02"))


def test_credit_lowers_the_total_due(session, unit):
    record_payment(session, unit.id, "500", "cash", paid_at=datetime(2026, 3, 10, 2, tzinfo=UTC))
    statement = account_statement(session, unit.id, date(2026, 3, 15))
    assert (statement.credit, statement.total_due) == (D("92.50"), D("0.00"))


def test_unknown_unit(session):
    with pytest.raises(NotFoundError):
        account_statement(session, 999, date(2026, 3, 1))


def test_the_ledger_check_finds_a_tampered_cache(session, unit):
    record_payment(session, unit.id, "50", "cash", paid_at=datetime(2026, 3, 10, 2, tzinfo=UTC))
    assert verify_ledger(session) == []
    session.execute(update(Bill).where(Bill.unit_id == unit.id).values(paid=D("1.00")))
    session.expire_all()
    assert {field for _, field, _, _ in verify_ledger(session)} == {"paid"}
