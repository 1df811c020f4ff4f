"""The month close of late fees (docs/domain.md §5): posted to the account while the principal is
unpaid.

Unit 1-1-101's March bill is 203.75, due 2026-03-31, late fee 0.05 % a day from 1 April:
0.101875 a day on the whole principal.
"""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app.models import Bill
from app.services.accounts import verify_ledger
from app.services.billing import run_billing
from app.services.errors import DomainError
from app.services.latefees import close_month
from app.services.payments import record_payment, reverse_payment
from app.services.waivers import approve_waiver, request_waiver
from jobs.latefees import close as close_job

TODAY = date(2026, 11, 23)


def on(day: date) -> datetime:
    """10:00 in Shanghai on ``day``, as a UTC instant."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


@pytest.fixture
def bill(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    return session.scalar(select(Bill).where(Bill.unit_id == 1))


def test_april_posts_thirty_days_on_the_unpaid_principal(session, bill):
    result = close_month(session, "2026-04", today=TODAY)
    # 30 days × 0.101875 = 3.05625 -> 3.06
    assert (bill.late_fee_closed, bill.late_fee_closed_on) == (D("3.06"), date(2026, 4, 30))
    assert (bill.late_fee, bill.balance, bill.status) == (D("3.06"), D("206.81"), "open")
    march_bills = session.scalar(select(func.count()).select_from(Bill))
    posted = session.scalar(select(func.sum(Bill.late_fee)))
    assert (result.as_of, result.bills, result.posted) == (date(2026, 4, 30), march_bills, posted)
    assert verify_ledger(session) == []


def test_closing_again_or_an_earlier_month_posts_nothing(session, bill):
    close_month(session, "2026-04", today=TODAY)
    again = close_month(session, "2026-04", today=TODAY)
    earlier = close_month(session, date(2026, 3, 15), today=TODAY)  # due on its last day
    assert (again.bills, again.posted, earlier.bills, earlier.posted) == (0, 0, 0, 0)
    assert (bill.late_fee, bill.balance) == (D("3.06"), D("206.81"))


def test_a_partial_payment_keeps_what_was_posted_and_the_next_close_adds_to_it(session, bill):
    close_month(session, "2026-04", today=TODAY)
    record_payment(session, 1, "100.00", "cash", paid_at=on(date(2026, 5, 10)))
    assert (bill.late_fee, bill.balance) == (D("3.06"), D("106.81"))
    close_month(session, "2026-05", today=TODAY)
    # April 3.05625 + 1–10 May 10 × 0.101875 + 11–31 May 21 × 103.75 × 0.05 % = 5.164375
    assert (bill.late_fee_closed, bill.late_fee, bill.balance) == (
        D("5.16"),
        D("5.16"),
        D("108.91"),
    )
    assert verify_ledger(session) == []


def test_settling_the_principal_posts_the_fee_to_the_payment_day_and_a_reversal_keeps_the_close(
    session, bill
):
    close_month(session, "2026-04", today=TODAY)
    paid = record_payment(session, 1, "203.75", "wechat", "WX1", on(date(2026, 5, 10)))
    # 40 days × 0.101875 = 4.075 -> 4.08, more than the 3.06 posted at the close
    assert (bill.late_fee, bill.balance, bill.status) == (D("4.08"), D("4.08"), "partial")
    reverse_payment(session, paid.payment.id, "录错")
    assert (bill.late_fee, bill.balance, bill.status) == (D("3.06"), D("206.81"), "open")
    assert verify_ledger(session) == []


def test_a_paid_bill_is_not_touched(session, bill):
    record_payment(session, 1, "203.75", "cash", paid_at=on(date(2026, 3, 20)))
    close_month(session, "2026-04", today=TODAY)
    assert (bill.late_fee_closed, bill.late_fee, bill.balance) == (D("0.00"), D("0.00"), D("0"))


def test_a_late_fee_waiver_never_lowers_the_principal_owed(session, bill):
    """Waiving part of a fee not yet posted posts that part: the balance stays the principal."""
    waiver = request_waiver(session, bill.id, "late_fee", "10.00", "campaign", actor="service")
    approve_waiver(session, waiver.id, actor="manager")
    assert (bill.late_fee, bill.late_fee_waived, bill.balance) == (
        D("10.00"),
        D("10.00"),
        D("203.75"),
    )
    close_month(session, "2026-04", today=TODAY)  # 3.06 accrued: less than already posted
    assert (bill.late_fee_closed, bill.late_fee, bill.balance) == (
        D("3.06"),
        D("10.00"),
        D("203.75"),
    )
    assert verify_ledger(session) == []


@pytest.mark.parametrize("month", ["2026-11", "2026/04", "", None])
def test_a_month_not_over_or_not_a_month_is_refused(session, bill, month):
    with pytest.raises(DomainError) as refused:
        close_month(session, month, today=TODAY)
    assert set(refused.value.messages) == {"month"}
    assert bill.late_fee_closed == D("0.00")


def test_the_periodic_job_closes_the_month_before_its_slot(app, session, bill):
    session.commit()
    assert close_job("2026-05-01") == session.scalar(select(func.count()).select_from(Bill))
    session.expire_all()
    assert (bill.late_fee_closed_on, bill.balance) == (date(2026, 4, 30), D("206.81"))
    assert close_job("2026-05-01") == 0


def test_the_command_prints_what_it_posted(app, session, bill):
    session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["wuye", "late-fees", "--month", "2026-04", "--community", "A"])
    assert done.exit_code == 0, done.output + repr(done.exception)
    assert "late fees reckoned to 2026-04-30" in done.output
    again = runner.invoke(args=["wuye", "late-fees", "--month", "2026-04"])
    assert "bills posted: 0" in again.output
    refused = runner.invoke(args=["wuye", "late-fees", "--month", "2099-01"])
    assert refused.exit_code == 1 and "month" in refused.output
