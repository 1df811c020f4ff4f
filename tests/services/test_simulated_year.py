"""A year of one community, day by day: billing, late payments, two installment agreements (one
completed, one defaulted), a complaint given as the reason for not paying, the daily scan.

The community (SIM, no late fee, bills due 30 days after the period starts) has five units at
¥2.00/m²/month, each with its own owner:

- 1-101, 100 m², 200.00: pays every bill the day it is billed; never dunned.
- 1-102, 80 m², 160.00: pays nothing until 20 April, then all four bills; on time after.
- 1-103, 90 m², 180.00: Jan–Mar unpaid; agreement of 6 April: 90.00 down, 3 × 150.00 (6 May,
  6 June, 6 July), kept; the rest (Apr–Jul bills, 720.00) paid 10 July; on time after.
- 1-104, 70 m², 140.00: Jan–Mar unpaid; agreement of 6 April: 60.00 down, 3 × 120.00; pays the
  down payment and the first instalment (180.00 in all), then nothing.
- 1-105, 60 m², 120.00: complains on 10 February (broken lift, given as the reason); resolved
  10 April, return visit 12 April (score 4); pays Jan–Apr (480.00) on 20 April; on time after.

Hand-computed dunning (levels: pre-due 7 days before, friendly 1, letter 30, follow-up 60,
legal 180 days overdue; a letter gives 15 days; the January bill is due 31 January, February's
3 March):
- every unit but 1-101 gets the pre-due reminder on 24 January and the friendly reminder on
  1 February; 1-102, 1-103 and 1-104 the letter on 2 March (day 30) and the follow-up on
  1 April (day 60);
- 1-105 is held at level 1 from 10 February by its complaint (the letter is not sent on 2 March);
  when the complaint closes on 12 April the bill is 71 days overdue: letter and follow-up that
  day;
- the agreements are approved on 7 April and hold 1-103 and 1-104; 1-104's second instalment
  (6 June) is more than 15 days late on 22 June: defaulted, dunning resumes. Its oldest unpaid
  bill is then February's (the 180.00 paid January's 140.00 and 40.00 of February's), due
  3 March, so the legal level (180 days) is reached on 30 August: the letter of 2 March was
  delivered (posted 3 March) and its deadline is long past, so legal action is proposed then;
- 1-103's agreement is completed on 6 July (540.00 paid toward it); its remaining bills are
  paid on 10 July and its case closes.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import Bill, Complaint, DunningAction, DunningCase, InstallmentAgreement
from app.services.billing import run_billing
from app.services.complaint_followups import mark_nonpayment_reason, return_visit, take_step
from app.services.complaints import log_complaint
from app.services.delivery import mark_posted
from app.services.dunning import scan_dunning
from app.services.dunning_legal import approve_legal
from app.services.dunning_messages import record_letter
from app.services.installment_figures import installment_counts
from app.services.installments import approve_installment, attach_scan, draft_installment
from app.services.kpi_collection import collection_figures, year_to_date
from app.services.payments import record_payment
from tests.factories import (
    make_building,
    make_community,
    make_owner,
    make_ownership,
    make_tariff,
    make_unit,
)

YEAR = 2026
UNITS = {"1-101": "100.00", "1-102": "80.00", "1-103": "90.00", "1-104": "70.00", "1-105": "60.00"}
MONTHLY = {
    "1-101": "200.00",
    "1-102": "160.00",
    "1-103": "180.00",
    "1-104": "140.00",
    "1-105": "120.00",
}
ON_TIME_FROM = {"1-101": 1, "1-102": 5, "1-103": 8, "1-105": 5}  # pays each bill when billed
LETTER_FILE = "dunning/letters/simulated.pdf"
SCAN = b"%PDF-1.4 signed agreement"


def day(month: int, d: int) -> date:
    return date(YEAR, month, d)


def at(on: date, hour: int = 3) -> datetime:
    return datetime(on.year, on.month, on.day, hour, tzinfo=UTC)  # 11:00 in Shanghai


@pytest.fixture
def world(session):
    community = make_community(session, "SIM", "模拟小区")
    building = make_building(session, community)
    make_tariff(
        session,
        community,
        price=Decimal("2.00"),
        published_on=date(2025, 12, 1),
        late_fee_daily_rate=Decimal("0"),
    )
    units = {}
    for n, (code, area) in enumerate(UNITS.items()):
        unit = make_unit(session, building, code, area=area)
        owner = make_owner(session, community, f"业主{n}", phone=f"1390000000{n}")
        make_ownership(session, unit, owner)
        units[code] = unit.id
    return community.id, units


def simulate(session, community_id: int, units: dict[str, int], files) -> dict:
    """Run the year; return what the test checks: actions, agreements, complaint, proposal."""
    ids = {}
    posting = []  # outbox messages of the letters rendered today, posted the next day

    def pay(code: str, amount: str, on: date) -> None:
        record_payment(session, units[code], Decimal(amount), "cash", paid_at=at(on))

    def events(on: date) -> None:
        if on.day == 1:
            run_billing(session, on, community_id)
            for code, first_month in ON_TIME_FROM.items():
                if on.month >= first_month:
                    pay(code, MONTHLY[code], on)
        if on == day(2, 10):
            complaint = log_complaint(
                session,
                units["1-105"],
                "phone",
                "facilities",
                "电梯坏了一个月没人修",
                received_at=at(on),
                actor="service",
                now=at(on, 4),
            )
            take_step(session, complaint.id, "acknowledge", "已记录", "service", at(on, 4))
            mark_nonpayment_reason(session, complaint.id, True, "修好电梯再交费", "service")
            ids["complaint"] = complaint.id
        if on == day(4, 6):
            for code, down in (("1-103", "90.00"), ("1-104", "60.00")):
                bills = session.scalars(
                    select(Bill.id).where(Bill.unit_id == units[code], Bill.due_date < on)
                ).all()
                agreement = draft_installment(
                    session,
                    units[code],
                    list(bills),
                    agreed_on=on,
                    down_payment=down,
                    count=3,
                    first_due=day(5, 6),
                    actor="service",
                )
                attach_scan(session, agreement.id, SCAN)
                ids[code] = agreement.id
        if on == day(4, 7):
            for code, down in (("1-103", "90.00"), ("1-104", "60.00")):
                approve_installment(session, ids[code], "manager")
                pay(code, down, on)
        if on == day(4, 10):
            take_step(session, ids["complaint"], "start", "维修中", "service", at(on))
            take_step(session, ids["complaint"], "resolve", "电梯已修复", "service", at(on, 5))
        if on == day(4, 12):
            return_visit(session, ids["complaint"], 4, "满意", "service", at(on))
        if on == day(4, 20):
            pay("1-102", "640.00", on)
            pay("1-105", "480.00", on)
        if on in (day(5, 6), day(6, 6), day(7, 6)):
            pay("1-103", "150.00", on)
        if on == day(5, 6):
            pay("1-104", "120.00", on)
        if on == day(7, 10):
            pay("1-103", "720.00", on)

    on = day(1, 1)
    while on.year == YEAR:
        for message_id in posting:
            mark_posted(session, message_id, at(on, 2))
        posting = []
        events(on)
        result = scan_dunning(session, on)
        posting = [record_letter(session, owner, on, LETTER_FILE).id for owner in result.letters]
        if on == day(9, 1):
            proposal = session.scalar(select(DunningAction).where(DunningAction.level == 4))
            approve_legal(session, proposal.id, "manager", "证据齐全")
            ids["proposal"] = proposal.id
        on += timedelta(days=1)
    return ids


def test_a_year_of_one_community(session, world, files_dir):
    community_id, units = world
    ids = simulate(session, community_id, units, files_dir)
    code_of = {unit_id: code for code, unit_id in units.items()}

    actions = [
        (code_of[a.unit_id], a.scheduled_on, a.level)
        for a in session.scalars(
            select(DunningAction).order_by(DunningAction.unit_id, DunningAction.level)
        )
    ]
    usual = [(day(1, 24), 0), (day(2, 1), 1), (day(3, 2), 2), (day(4, 1), 3)]
    assert actions == (
        [("1-102", d, lv) for d, lv in usual]
        + [("1-103", d, lv) for d, lv in usual]
        + [("1-104", d, lv) for d, lv in usual]
        + [("1-104", day(8, 30), 4)]
        + [
            ("1-105", day(1, 24), 0),
            ("1-105", day(2, 1), 1),
            ("1-105", day(4, 12), 2),
            ("1-105", day(4, 12), 3),
        ]
    )

    cases = {
        (code_of[c.unit_id], c.opened_on): (c.level, c.closed_on)
        for c in session.scalars(select(DunningCase))
    }
    assert cases == {
        ("1-102", day(1, 24)): (3, day(4, 20)),
        ("1-103", day(1, 24)): (3, day(7, 10)),
        ("1-104", day(1, 24)): (4, None),
        ("1-105", day(1, 24)): (3, day(4, 20)),
    }

    complaint = session.get(Complaint, ids["complaint"])
    assert (complaint.status, complaint.satisfaction, complaint.nonpayment_reason) == (
        "closed",
        4,
        True,
    )

    proposal = session.get(DunningAction, ids["proposal"])
    assert (proposal.status, proposal.amount, proposal.days_overdue) == (
        "approved",
        Decimal("800.00"),
        180,  # overdue: 7 bills of 140.00 (Jan–Jul) − 180.00
    )
    agreements = {code: session.get(InstallmentAgreement, ids[code]) for code in ("1-103", "1-104")}
    assert {code: (a.status, a.ended_on) for code, a in agreements.items()} == {
        "1-103": ("completed", day(7, 6)),
        "1-104": ("defaulted", day(6, 22)),
    }
    assert installment_counts(session, day(12, 31), {community_id})["completed"] == 1
    assert installment_counts(session, day(12, 31), {community_id})["defaulted"] == 1

    # Figures as of 31 December: 9,600.00 billed in the year, 1,500.00 of it still owed by 1-104
    # (12 × 140.00 − 180.00), all but December's 140.00 of that overdue.
    december = collection_figures(session, "2026-12", day(12, 31), [community_id])
    assert (december.billed, december.collected) == (Decimal("800.00"), Decimal("660.00"))
    assert december.collection_rate == Decimal("0.8250")
    assert december.household_rate == Decimal("0.8000")
    assert (december.balance_due, december.overdue_balance) == (
        Decimal("1500.00"),
        Decimal("1360.00"),
    )
    assert december.overdue_rate == Decimal("0.9067")  # 1360 / 1500 = 0.90666…
    year = year_to_date(session, "2026-12", day(12, 31), [community_id])
    assert (year.billed, year.collected) == (Decimal("9600.00"), Decimal("8100.00"))
    assert year.collection_rate == Decimal("0.8438")  # 0.84375, rounded half up
    march = collection_figures(session, "2026-03", day(3, 31), [community_id])
    assert march.collection_rate == Decimal("0.2500")  # only 1-101 had paid March by then
