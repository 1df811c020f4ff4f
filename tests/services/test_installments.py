"""Installment agreements (docs/domain.md §8) on a real database, with exact dates and amounts.

Unit 1 of community A (1-1-101, 81.50 m² at ¥2.50) is billed ¥203.75 for January, February
and March 2026, due on 31 January, 3 March and 31 March. Late fees are switched off in most
tests (the tariff's daily rate set to 0) so that the covered total is ¥611.25 exactly.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.models import (
    AuditLog,
    Bill,
    DunningAction,
    DunningCase,
    InstallmentAgreement,
    InstallmentBill,
    Instalment,
    Setting,
    Tariff,
)
from app.services.billing import run_billing
from app.services.dunning import scan_dunning
from app.services.errors import DomainError, NotFoundError
from app.services.installment_figures import installment_counts, installment_progress
from app.services.installment_tracking import scan_installments
from app.services.installments import (
    approve_installment,
    attach_scan,
    cancel_installment,
    draft_installment,
    reject_installment,
)
from app.services.payments import record_payment, reverse_payment

SCAN = b"%PDF-1.4 signed agreement"
APRIL_15 = date(2026, 4, 15)


def day(month: int, d: int) -> date:
    return date(2026, month, d)


def pay(session, amount: str, on: date, unit_id: int = 1):
    paid_at = datetime(on.year, on.month, on.day, 2, tzinfo=UTC)
    return record_payment(session, unit_id, amount, "cash", paid_at=paid_at).payment


@pytest.fixture
def bills(session):
    """Unit 1's three bills (January to March), oldest first; no late fees."""
    session.get(Tariff, 1).late_fee_daily_rate = D("0")
    for month in (1, 2, 3):
        run_billing(session, day(month, 1), 1)
    return session.scalars(select(Bill).where(Bill.unit_id == 1).order_by(Bill.due_date)).all()


def english(err: DomainError) -> dict[str, list[str]]:
    with force_locale("en"):
        return err.as_dict()


def make(session, bill_ids=None, **overrides):
    """A draft of unit 1: by default all arrears on 15 April, ¥100 down and three monthly
    instalments from 10 May."""
    terms = {"agreed_on": APRIL_15, "down_payment": "100", "count": 3, "first_due": day(5, 10)}
    return draft_installment(session, 1, bill_ids, actor="cs", **(terms | overrides))


def active(session, **overrides):
    agreement = make(session, **overrides)
    attach_scan(session, agreement.id, SCAN)
    return approve_installment(session, agreement.id, "manager")


def rows(session) -> tuple[int, int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (InstallmentAgreement, InstallmentBill, Instalment, AuditLog)
    )


# --- Drafting --------------------------------------------------------------------------------


def test_equal_monthly_instalments_take_the_remainder_on_the_last(session, bills):
    agreement = make(session)
    assert agreement.status == "draft" and agreement.all_arrears
    assert agreement.covered_total == D("611.25")
    assert [(b.bill_id, b.amount) for b in agreement.bills] == [(b.id, D("203.75")) for b in bills]
    # 511.25 / 3 = 170.416…: 170.41 twice, the last 170.43; the down payment is instalment 0
    assert [(i.seq, i.due_date, i.amount) for i in agreement.instalments] == [
        (0, APRIL_15, D("100.00")),
        (1, day(5, 10), D("170.41")),
        (2, day(6, 10), D("170.41")),
        (3, day(7, 10), D("170.43")),
    ]
    assert agreement.down_payment == D("100.00")
    assert agreement.grace_days == 15 and agreement.owner.name == "A业主甲"


def test_the_covered_total_includes_late_fees_to_the_agreements_date(session, bills):
    session.get(Tariff, 1).late_fee_daily_rate = D("0.0005")
    agreement = make(session, [bills[0].id], down_payment=None, count=1)
    # due 31 January, 74 days late on 15 April: 203.75 × 0.0005 × 74 = 7.54
    assert agreement.covered_total == D("211.29")
    assert [i.amount for i in agreement.instalments] == [D("211.29")]


def test_an_explicit_schedule_must_sum_to_the_covered_total_exactly(session, bills):
    before = rows(session)
    for last in ("170.42", "170.44"):  # one fen short, one fen over
        schedule = [
            {"due_date": "2026-05-10", "amount": "170.41"},
            {"due_date": "2026-06-10", "amount": "170.41"},
            {"due_date": "2026-07-10", "amount": last},
        ]
        with pytest.raises(DomainError) as refused:
            make(session, count=None, first_due=None, schedule=schedule)
        assert list(english(refused.value)) == ["schedule"]
        assert "611.25" in english(refused.value)["schedule"][0]
    assert rows(session) == before
    schedule[-1]["amount"] = "170.43"
    agreement = make(session, count=None, first_due=None, schedule=schedule)
    assert sum(i.amount for i in agreement.instalments) == agreement.covered_total


def test_a_paid_bill_is_refused_and_nothing_is_written(session, bills):
    pay(session, "203.75", day(4, 1))  # settles January's bill
    before = rows(session)
    with pytest.raises(DomainError) as refused:
        make(session, [bills[0].id, bills[1].id])
    assert english(refused.value) == {"bill_ids": [f"Bill {bills[0].number} is already paid."]}
    assert rows(session) == before


def test_bills_that_cannot_be_covered_are_each_named(session, bills):
    other = session.scalar(select(Bill).where(Bill.unit_id == 2, Bill.due_date == day(1, 31)))
    run_billing(session, day(4, 1), 1)  # April's bill, due 1 May: not overdue on 15 April
    april = session.scalar(select(Bill).where(Bill.unit_id == 1, Bill.due_date == day(5, 1)))
    with pytest.raises(DomainError) as refused:
        make(session, [other.id, april.id, 999])
    assert english(refused.value)["bill_ids"] == [
        f"Bill {other.number} is not a bill of unit 1-1-101.",
        f"Bill {april.number} is not overdue on 2026-04-15 (due 2026-05-01).",
        "Unknown bill 999.",
    ]


def test_an_older_overdue_bill_cannot_be_left_out(session, bills):
    with pytest.raises(DomainError) as refused:
        make(session, [bills[1].id])
    message = english(refused.value)["bill_ids"][0]
    assert bills[0].number in message and "oldest" in message
    assert make(session, [bills[0].id, bills[1].id]).covered_total == D("407.50")


def test_a_bill_is_held_by_one_live_agreement(session, bills):
    first = make(session)
    with pytest.raises(DomainError) as refused:
        make(session)
    assert f"already covered by agreement {first.number}" in english(refused.value)["bill_ids"][0]
    cancel_installment(session, first.id, "cs", "业主未签字")
    assert make(session).number != first.number  # a cancelled draft frees its bills


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"down_payment": "611.25"}, "down_payment"),
        ({"down_payment": "-1"}, "down_payment"),
        ({"count": 0}, "instalments"),
        ({"count": 61}, "instalments"),
        ({"first_due": APRIL_15}, "first_due"),
        ({"first_due": "15/05/2026"}, "first_due"),
        ({"kind": "loan"}, "kind"),
        ({"kind": "deferral"}, "down_payment"),
        ({"kind": "deferral", "down_payment": None}, "instalments"),
        ({"schedule": [{"due_date": "2026-05-10", "amount": "611.25"}]}, "schedule"),
        ({"count": None, "first_due": None, "schedule": [{"due_date": "2026-05-10"}]}, "schedule"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(session, bills, terms, field):
    with pytest.raises(DomainError) as refused:
        make(session, **terms)
    assert field in english(refused.value)


def test_a_deferral_is_one_instalment_at_a_later_date(session, bills):
    agreement = make(session, kind="deferral", down_payment=None, count=1, first_due=day(8, 31))
    assert [(i.seq, i.due_date, i.amount) for i in agreement.instalments] == [
        (1, day(8, 31), D("611.25"))
    ]


def test_the_grace_days_come_from_the_setting_when_drafted(session, bills):
    session.add(Setting(key="installment_grace_days", value="5"))
    agreement = make(session)
    assert agreement.grace_days == 5


def test_no_agreement_without_arrears(session, bills):
    with pytest.raises(DomainError) as refused:
        make(session, agreed_on=day(1, 20))
    assert "no overdue bill" in english(refused.value)["bill_ids"][0]
    with pytest.raises(NotFoundError):
        draft_installment(session, 999, count=1, first_due=day(5, 1))


# --- Scan and decision -----------------------------------------------------------------------


def test_the_scan_must_be_a_pdf_or_an_image(session, bills, files_dir):
    agreement = make(session)
    for data in (b"", b"plain text"):
        with pytest.raises(DomainError) as refused:
            attach_scan(session, agreement.id, data)
        assert "signed_scan" in english(refused.value)
    attach_scan(session, agreement.id, b"\x89PNG\r\n\x1a\nimage")
    assert agreement.signed_scan.endswith(".png")
    assert (files_dir / agreement.signed_scan).read_bytes().startswith(b"\x89PNG")


def test_approval_needs_the_signed_scan_and_another_person(session, bills, files_dir):
    agreement = make(session)
    with pytest.raises(DomainError) as refused:
        approve_installment(session, agreement.id, "manager")
    assert "signed_scan" in english(refused.value)
    attach_scan(session, agreement.id, SCAN)
    with pytest.raises(DomainError) as refused:
        approve_installment(session, agreement.id, "cs")
    assert "agreement_id" in english(refused.value)
    approve_installment(session, agreement.id, "manager", "同意")
    assert (agreement.status, agreement.decided_by, agreement.decision_note) == (
        "active",
        "manager",
        "同意",
    )
    with pytest.raises(DomainError):
        approve_installment(session, agreement.id, "manager")  # decided once
    with pytest.raises(DomainError):
        attach_scan(session, agreement.id, SCAN)  # the signed scan of an approved one stays


def test_a_rejection_says_why_and_frees_the_bills(session, bills):
    agreement = make(session)
    with pytest.raises(DomainError) as refused:
        reject_installment(session, agreement.id, "manager", " ")
    assert "decision_note" in english(refused.value)
    reject_installment(session, agreement.id, "manager", "首付太少")
    assert agreement.status == "rejected"
    assert make(session).status == "draft"


# --- Payments, progress, the daily scan ------------------------------------------------------


def test_payments_fill_the_instalments_in_order_and_a_reversal_takes_money_back(
    session, bills, files_dir
):
    agreement = active(session)
    pay(session, "200.00", day(4, 16))
    progress = installment_progress(session, agreement, day(4, 16))
    assert progress.paid == D("200.00")
    assert [(i.seq, i.paid) for i in progress.instalments] == [
        (0, D("100.00")),
        (1, D("100.00")),
        (2, D("0")),
        (3, D("0")),
    ]
    wrong = pay(session, "100.00", day(5, 9))
    assert [i.paid for i in installment_progress(session, agreement).instalments][:3] == [
        D("100.00"),
        D("170.41"),
        D("29.59"),
    ]
    reverse_payment(session, wrong.id, "票据录错")
    progress = installment_progress(session, agreement, day(5, 9))
    assert progress.paid == D("200.00") and progress.outstanding == D("411.25")
    assert progress.standing == "on_track"


def test_money_paid_before_the_draft_does_not_count(session, bills):
    pay(session, "100.00", day(4, 10))  # part of January's bill: the covered total is lower
    agreement = make(session, down_payment=None)
    assert agreement.covered_total == D("511.25")
    assert installment_progress(session, agreement).paid == D("0")


def test_the_scan_completes_an_agreement_once_the_total_is_paid(session, bills, files_dir):
    agreement = active(session)
    pay(session, "611.24", day(5, 1))
    assert scan_installments(session, day(5, 1)).completed == []
    pay(session, "0.01", day(5, 2))
    result = scan_installments(session, day(5, 2))
    assert result.completed == [agreement.id] and agreement.status == "completed"
    assert agreement.ended_on == day(5, 2)


def test_the_scan_defaults_an_instalment_unpaid_beyond_the_grace_days(session, bills, files_dir):
    agreement = active(session)
    pay(session, "270.40", day(4, 20))  # the down payment and all of instalment 1 but a fen
    # instalment 1 is due 10 May: 15 days late on 25 May is within the grace, 16 is not
    assert scan_installments(session, day(5, 25)).on_track == {1}
    assert agreement.status == "active"
    audit_rows = rows(session)[-1]
    result = scan_installments(session, day(5, 26))
    assert result.defaulted == [agreement.id]
    assert (agreement.status, agreement.ended_on) == ("defaulted", day(5, 26))
    changed = rows(session)[-1]
    assert changed > audit_rows
    again = scan_installments(session, day(5, 26))  # idempotent: nothing changes
    assert (again.defaulted, again.completed, again.on_track) == ([], [], set())
    assert rows(session)[-1] == changed
    # a defaulted agreement reports its default whatever the day asked and whatever is paid later
    pay(session, "0.01", day(5, 27))
    for on in (day(5, 1), day(5, 27), day(7, 1)):
        assert installment_progress(session, agreement, on).standing == "defaulted"


def test_an_agreement_whose_bills_are_waived_completes(session, bills, files_dir):
    agreement = active(session)
    for bill in bills:
        bill.waived = bill.total
        bill.balance = D("0")
        bill.status = "waived"
    assert scan_installments(session, day(6, 1)).completed == [agreement.id]


def test_counts_per_status_as_of_a_day(session, bills, files_dir):
    agreement = active(session)
    scan_installments(session, day(5, 26))  # defaulted
    expected = {s: 0 for s in ("draft", "completed", "rejected", "cancelled")}
    assert installment_counts(session, day(5, 25), None) == expected | {
        "active": 1,
        "defaulted": 0,
    }
    assert installment_counts(session, day(5, 26), {1}) == expected | {
        "active": 0,
        "defaulted": 1,
    }
    assert installment_counts(session, day(4, 14), None)["active"] == 0  # not agreed yet
    assert installment_counts(session, day(5, 26), {2})["defaulted"] == 0
    assert agreement.status == "defaulted"


# --- Dunning -----------------------------------------------------------------------------------


def scan_until(session, first: date, last: date) -> list[tuple[date, int]]:
    """Run the real dunning scan every day; the actions created, as (day, level)."""
    created, on = [], first
    while on <= last:
        scan_dunning(session, on)
        created += [
            (a.scheduled_on, a.level)
            for a in session.scalars(
                select(DunningAction).where(
                    DunningAction.scheduled_on == on, DunningAction.unit_id == 1
                )
            )
        ]
        on += timedelta(days=1)
    return created


def test_dunning_pauses_while_on_track_and_escalates_after_the_default(session, bills, files_dir):
    assert scan_until(session, day(1, 20), day(3, 10)) == [
        (day(1, 24), 0),
        (day(2, 1), 1),
        (day(3, 2), 2),
    ]
    active(session, agreed_on=day(3, 10), first_due=day(4, 10))
    case = session.scalar(select(DunningCase).where(DunningCase.unit_id == 1))
    assert (case.pause_kind, case.pause_note) == ("installment", "FQ20260310-000001-01")
    pay(session, "100.00", day(3, 11))  # the down payment; instalment 1 (10 April) never paid
    # 60 days overdue on 1 April: the key follow-up waits while the agreement is on track
    assert scan_until(session, day(3, 11), day(4, 25)) == []
    # 16 days after 10 April the agreement defaults and dunning resumes the same scan
    assert scan_until(session, day(4, 26), day(4, 26)) == [(day(4, 26), 3)]
    assert case.pause_kind is None and case.level == 3


def test_no_case_opens_for_a_unit_under_an_agreement_on_track(session, bills, files_dir):
    active(session)
    result = scan_dunning(session, day(4, 16))
    assert result.paused >= 1
    assert session.scalar(select(DunningCase).where(DunningCase.unit_id == 1)) is None
    assert session.scalar(select(DunningCase).where(DunningCase.unit_id == 2)) is not None
