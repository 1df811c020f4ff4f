"""Moving in with money (docs/domain.md §14, app/services/opening_balances.py), on SQLite and
PostgreSQL: opening arrears become bills every rule treats as bills; prepaid amounts become
credit; a re-import changes nothing and a change after money moved is refused."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import Bill, Payment, Receipt, Setting, Unit
from app.services import opening_balances as money
from app.services.accounts import account_statement, verify_ledger
from app.services.arrears import find_overdue_accounts
from app.services.billing import run_billing
from app.services.daily_close import daily_close
from app.services.errors import DomainError
from app.services.ledger import accrued_late_fee, unit_credit
from app.services.onboarding import onboard
from app.services.payments import record_payment
from app.services.settings import setting_problem

from .test_onboarding import workbook

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ARREARS = [
    ["A", "1", "1-1-101", "2025-11", "200.00", "2025-11-30", "物业服务费"],
    ["A", "1", "1-1-101", "2025-11", "50.00", "2025-12-10", "停车费"],
    ["A", "1", "1-1-101", "2025-12", "203.75", "2025-12-31", None],
]


def unit(db, code="1-1-101", community="A") -> Unit:
    return next(
        u
        for u in db.scalars(select(Unit))
        if (u.building.community.code, u.code) == (community, code)
    )


def opening_bills(db, of: Unit) -> list[Bill]:
    return list(db.scalars(select(Bill).where(Bill.unit_id == of.id).order_by(Bill.period_start)))


def test_opening_arrears_become_bills_that_are_owed_like_any(db):
    report = onboard(db, workbook(opening_arrears=ARREARS), now=NOW)
    assert report.ok, report.problems
    assert dict(report.created) == {"bills": 2}
    db.commit()
    u = unit(db)
    november, december = opening_bills(db, u)
    assert (november.kind, november.total, november.balance, november.due_date) == (
        "opening",
        Decimal("250.00"),
        Decimal("250.00"),
        date(2025, 11, 30),  # the earliest of its rows
    )
    assert november.number == f"A-202511-{november.id}" and november.run_id is None
    assert november.owner is not None and november.owner.name == "A业主甲"
    lines = {line.name: line for line in november.lines}
    assert lines["物业服务费"].tariff.code == "WYF" and lines["物业服务费"].fee_kind == "property"
    assert lines["停车费"].tariff is None and lines["停车费"].fee_kind == "other"
    assert [line.name for line in december.lines] == [money.OPENING_FEE]
    # owed: arrears, the account, the ledger check
    overdue = find_overdue_accounts(db, date(2026, 3, 10))
    assert [(a.unit_id, a.overdue) for a in overdue] == [(u.id, Decimal("453.75"))]
    assert account_statement(db, u.id, date(2026, 3, 10)).total_due == Decimal("453.75")
    assert verify_ledger(db) == []
    again = onboard(db, workbook(opening_arrears=ARREARS), now=NOW)
    assert again.ok and not again.created and not again.updated


def test_late_fees_on_opening_arrears_follow_the_setting(db):
    onboard(db, workbook(opening_arrears=ARREARS[2:]), now=NOW)
    db.flush()
    (bill,) = opening_bills(db, unit(db))
    assert accrued_late_fee(db, bill, date(2026, 1, 10)) == Decimal("0.00")  # default: none
    assert setting_problem("opening_late_fees", "yes") is not None  # 0 or 1
    assert setting_problem("opening_late_fees", "1") is None
    db.add(Setting(key="opening_late_fees", value="1"))
    db.flush()
    # the tariff's 0.05 % a day from the due date: 203.75 × 0.0005 × 10 days = 1.01875
    assert accrued_late_fee(db, bill, date(2026, 1, 10)) == Decimal("1.02")


def test_a_billing_run_skips_the_month_an_opening_balance_stands_for(db):
    rows = [["A", "1", "1-1-101", "2026-01", "212.50", "2026-01-31", "物业服务费"]]
    assert onboard(db, workbook(opening_arrears=rows), now=NOW).ok
    db.commit()
    result = run_billing(
        db, date(2026, 1, 1), unit(db).building.community_id, today=date(2026, 1, 5)
    )
    assert not result.failed and result.skipped == 1 and result.created == 1  # 1-1-102 only
    (only,) = opening_bills(db, unit(db))
    assert (only.kind, only.total, len(only.lines)) == ("opening", Decimal("212.50"), 1)


def test_prepaid_becomes_credit_after_the_units_arrears(db):
    prepaid = [["A", None, "1-1-101", "300.00"], ["A", None, "1-1-102", "500.00"]]
    report = onboard(db, workbook(opening_arrears=ARREARS, prepaid=prepaid), now=NOW, actor="admin")
    assert report.ok, report.problems
    assert report.created["prepaid"] == 2
    db.commit()
    first, second = unit(db), unit(db, "1-1-102")
    assert unit_credit(db, first.id) == Decimal("0.00")  # 250 to November (due first), 50 on
    november, december = opening_bills(db, first)
    assert (november.status, november.balance) == ("paid", Decimal("0.00"))
    assert (december.status, december.balance) == ("partial", Decimal("153.75"))
    assert unit_credit(db, second.id) == Decimal("500.00")
    payments = db.scalars(select(Payment).where(Payment.method == "opening")).all()
    assert {(p.recorded_by, p.amount) for p in payments} == {
        ("admin", Decimal("300.00")),
        ("admin", Decimal("500.00")),
    }
    assert not db.scalars(
        select(Receipt).where(Receipt.payment_id.in_([p.id for p in payments]))
    ).all()
    assert daily_close(db, date(2026, 3, 10)).received == Decimal("0")  # no day's takings
    assert verify_ledger(db) == []
    assert not onboard(db, workbook(prepaid=prepaid), now=NOW).created
    changed = [["A", None, "1-1-102", "600.00"]]
    report = onboard(db, workbook(prepaid=changed), now=NOW)
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (2, "amount", money.PREPAID_CHANGED)
    ]


def test_an_opening_bill_changes_until_money_touches_it(db):
    onboard(db, workbook(opening_arrears=ARREARS[2:]), now=NOW)
    db.commit()
    changed = [["A", "1", "1-1-101", "2025-12", "210.00", "2025-12-31", None]]
    report = onboard(db, workbook(opening_arrears=changed), now=NOW)
    assert report.ok and dict(report.updated) == {"bills": 1} and not report.created
    db.commit()
    (bill,) = opening_bills(db, unit(db))
    assert (bill.total, bill.balance) == (Decimal("210.00"), Decimal("210.00"))
    record_payment(db, unit(db).id, "10.00", "cash", paid_at="2026-03-10", today=date(2026, 3, 10))
    db.commit()
    changed[0][4] = "220.00"
    report = onboard(db, workbook(opening_arrears=changed), now=NOW)
    assert [(p.row, p.column, p.message) for p in report.problems] == [(2, "amount", money.SETTLED)]


def test_a_month_a_billing_run_billed_is_refused(db):
    run_billing(db, date(2026, 1, 1), unit(db).building.community_id, today=date(2026, 1, 5))
    db.commit()
    rows = [["A", "1", "1-1-101", "2026-01", "212.50", "2026-01-31", None]]
    report = onboard(db, workbook(opening_arrears=rows), now=NOW)
    assert [(p.sheet, p.row, p.column, p.message) for p in report.problems] == [
        ("opening_arrears", 2, "period", money.BILLED_BY_RUN)
    ]


def test_no_till_takes_money_as_carried_over(db):
    with pytest.raises(DomainError) as refused:
        record_payment(db, unit(db).id, "10.00", "opening", today=date(2026, 3, 10))
    assert "method" in refused.value.messages
