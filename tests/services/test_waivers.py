"""Waivers (docs/domain.md §5): requested, effective only on a manager's approval."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.models import AuditLog, Bill, Community
from app.services.accounts import verify_ledger
from app.services.billing import run_billing
from app.services.errors import DomainError, NotFoundError
from app.services.payments import record_payment
from app.services.waivers import approve_waiver, reject_waiver, request_waiver
from tests.factories import make_tariff


@pytest.fixture
def bill(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    return session.scalar(select(Bill).where(Bill.unit_id == 1))  # 203.75, due 2026-03-31


def test_a_request_changes_nothing_until_approved(session, bill):
    waiver = request_waiver(
        session, bill.id, "principal", "50.00", "service_failure", "电梯停运两周", actor="service"
    )
    assert (waiver.status, bill.waived, bill.balance) == ("requested", D("0.00"), D("203.75"))
    approve_waiver(session, waiver.id, actor="manager", note="同意")
    assert (waiver.status, waiver.decided_by) == ("approved", "manager")
    assert (bill.waived, bill.balance, bill.status) == (D("50.00"), D("153.75"), "open")


def test_waiving_the_whole_principal_closes_the_bill(session, bill):
    waiver = request_waiver(session, bill.id, "principal", "203.75", "hardship", actor="service")
    approve_waiver(session, waiver.id, actor="manager")
    assert (bill.balance, bill.status) == (D("0.00"), "waived")


def test_a_late_fee_waiver_lowers_what_a_late_payment_owes(session, bill):
    record_payment(session, 1, "203.75", "cash", paid_at=datetime(2026, 4, 30, 2, tzinfo=UTC))
    assert bill.balance == D("3.06")  # the posted late fee
    waiver = request_waiver(session, bill.id, "late_fee", "3.06", "campaign", actor="service")
    approve_waiver(session, waiver.id, actor="manager")
    assert (bill.late_fee_waived, bill.balance, bill.status) == (D("3.06"), D("0.00"), "paid")


def test_the_requester_cannot_approve_and_decisions_are_final(session, bill):
    waiver = request_waiver(session, bill.id, "principal", "10", "hardship", actor="service")
    with pytest.raises(DomainError):
        approve_waiver(session, waiver.id, actor="service")
    reject_waiver(session, waiver.id, actor="manager", note="材料不足")
    with pytest.raises(DomainError):
        approve_waiver(session, waiver.id, actor="manager")
    assert bill.waived == D("0.00")


def test_a_rejection_needs_a_reason(session, bill):
    waiver = request_waiver(session, bill.id, "principal", "10", "hardship", actor="service")
    with pytest.raises(DomainError) as info:
        reject_waiver(session, waiver.id, actor="manager", note=" ")
    assert "decision_note" in info.value.messages


def test_two_waivers_can_never_take_a_bill_below_zero(session, bill):
    first = request_waiver(session, bill.id, "principal", "200", "hardship", actor="service")
    second = request_waiver(session, bill.id, "principal", "200", "hardship", actor="service")
    approve_waiver(session, first.id, actor="manager")
    with pytest.raises(DomainError) as info:
        approve_waiver(session, second.id, actor="manager")
    assert "amount" in info.value.messages and bill.balance == D("3.75")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "203.76"}, "amount"),
        ({"part": "everything"}, "part"),
        ({"reason": "mood"}, "reason"),
        ({"reason": "other"}, "explanation"),
        ({"part": "late_fee", "amount": "1000.00"}, "amount"),
    ],  # far above the late fee
)
def test_bad_requests_name_the_field(session, bill, values, field):
    args = {"part": "principal", "amount": "10", "reason": "hardship"} | values
    with pytest.raises(DomainError) as info:
        request_waiver(
            session, bill.id, args["part"], args["amount"], args["reason"], actor="service"
        )
    assert field in info.value.messages


def test_unknown_bill(session):
    with pytest.raises(NotFoundError):
        request_waiver(session, 999, "principal", "1", "hardship", actor="service")


def waive_20_then_bill_march_again(session, bill, new_tariff=False):
    """An approved 20.00 waiver on the bill (and a fixed 10.00 tariff), then March billed again;
    the re-run's result."""
    waiver = request_waiver(session, bill.id, "principal", "20.00", "hardship", actor="service")
    approve_waiver(session, waiver.id, actor="manager")
    if new_tariff:
        make_tariff(
            session,
            session.get(Community, 1),
            "LJF",
            name="垃圾清运费",
            basis="fixed",
            price=D("10.00"),
        )
    session.commit()
    again = run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    session.expire_all()
    return again


def test_a_billing_re_run_keeps_an_approved_waiver(session, bill):
    again = waive_20_then_bill_march_again(session, bill)
    assert (again.created, bill.total, bill.waived, bill.balance) == (
        0,
        D("203.75"),
        D("20.00"),
        D("183.75"),
    )
    assert verify_ledger(session) == []


def test_a_re_run_that_adds_a_line_keeps_the_waiver_and_is_audited(session, bill):
    again = waive_20_then_bill_march_again(session, bill, new_tariff=True)
    assert (again.created, bill.total, bill.waived, bill.balance) == (
        2,
        D("213.75"),
        D("20.00"),
        D("193.75"),
    )
    assert verify_ledger(session) == []
    entry = session.scalars(
        select(AuditLog).where(
            AuditLog.table_name == "bill",
            AuditLog.row_id == str(bill.id),
            AuditLog.action == "update",
        )
    ).all()[-1]
    assert entry.changes == {
        "before": {"total": "203.75", "balance": "183.75"},
        "after": {"total": "213.75", "balance": "193.75"},
        "billing_run": again.run_id,
    }
