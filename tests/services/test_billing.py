"""Billing runs (docs/domain.md §3) with exact figures, directly on the service."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Numeric, func, literal, select

from app.domain.money import line_amount
from app.models import Bill, BillingRun, BillLine, Community, Setting, Tariff, Unit
from app.services.bill_building import line_fen
from app.services.billing import run_billing
from app.services.errors import DomainError
from tests.factories import make_tariff

MARCH = date(2026, 3, 1)


def bills(session, period=MARCH):
    return session.scalars(
        select(Bill).where(Bill.period_start == period).order_by(Bill.community_id, Bill.unit_id)
    ).all()


def test_a_run_bills_every_unit_with_its_lines(session):
    result = run_billing(session, MARCH, actor="finance")
    assert (result.created, result.bills, result.skipped, result.failed) == (4, 4, 0, [])
    assert result.total == D("820.00")  # (81.50 + 82.50) × 2.50 in each of A and B
    bill = bills(session)[0]
    assert bill.number == f"A-202603-{bill.id}"
    assert (bill.period_start, bill.period_end, bill.due_date) == (
        MARCH,
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    assert (bill.total, bill.balance, bill.paid, bill.status) == (
        D("203.75"),
        D("203.75"),
        D("0.00"),
        "open",
    )
    assert bill.owner.name == "A业主甲"
    (line,) = bill.lines
    assert (line.name, line.basis, line.area, line.price, line.months, line.amount) == (
        "物业服务费",
        "area",
        D("81.50"),
        D("2.5000"),
        1,
        D("203.75"),
    )
    run = session.get(BillingRun, result.run_id)
    assert (run.created, run.bills, run.total, run.started_by) == (4, 4, D("820.00"), "finance")


def test_a_second_run_adds_nothing(session):
    run_billing(session, MARCH)
    again = run_billing(session, MARCH)
    assert (again.created, again.bills, again.skipped, again.total) == (0, 0, 4, D("0.00"))
    assert len(bills(session)) == 4


def test_the_preview_shows_the_same_figures_and_writes_nothing(session):
    preview = run_billing(session, MARCH, dry_run=True)
    assert session.scalar(select(func.count(Bill.id))) == 0
    assert session.scalar(select(func.count(BillingRun.id))) == 0
    real = run_billing(session, MARCH)
    assert (preview.created, preview.bills, preview.total) == (real.created, real.bills, real.total)


def test_one_community_only(session):
    result = run_billing(session, MARCH, community_id=2)
    assert result.bills == 2 and {b.community.code for b in bills(session)} == {"B"}


def test_an_unknown_community_is_refused(session):
    with pytest.raises(DomainError) as info:
        run_billing(session, MARCH, community_id=99)
    assert "community_id" in info.value.messages


def test_a_unit_without_paying_owner_is_reported_not_billed(session):
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-102", Unit.building_id == 1))
    unit.ownerships[0].end_date = date(2026, 2, 28)
    result = run_billing(session, MARCH, community_id=1)
    assert result.bills == 1
    assert [f["unit"] for f in result.failed] == ["1-1-102"]


def test_a_new_tariff_adds_its_line_to_the_open_bill(session):
    run_billing(session, MARCH, community_id=1)
    make_tariff(
        session,
        session.get(Community, 1),
        code="GT",
        name="公摊能耗",
        fee_kind="utility",
        basis="fixed",
        price=D("12.3456"),
    )
    result = run_billing(session, MARCH, community_id=1)
    assert (result.created, result.bills, result.skipped) == (2, 0, 2)
    bill = bills(session)[0]
    assert [line.amount for line in bill.lines] == [D("203.75"), D("12.35")]
    assert bill.total == bill.balance == D("216.10")


def test_a_paid_bill_is_never_edited(session):
    run_billing(session, MARCH, community_id=1)
    paid = bills(session)[0]
    paid.paid, paid.status = paid.total, "paid"
    session.flush()
    make_tariff(session, session.get(Community, 1), code="GT", basis="fixed", price=D("10"))
    result = run_billing(session, MARCH, community_id=1)
    assert result.created == 1 and [f["unit"] for f in result.failed] == ["1-1-101"]
    assert len(paid.lines) == 1 and paid.total == D("203.75")


def test_tariff_versions_across_periods(session):
    current = session.scalar(select(Tariff).where(Tariff.community_id == 1))
    current.valid_to = date(2026, 6, 30)
    make_tariff(
        session,
        session.get(Community, 1),
        valid_from=date(2026, 7, 1),
        price=D("2.80"),
        published_on=date(2026, 5, 1),
    )
    run_billing(session, date(2026, 6, 1), community_id=1)
    run_billing(session, date(2026, 7, 1), community_id=1)
    june, july = bills(session, date(2026, 6, 1))[0], bills(session, date(2026, 7, 1))[0]
    assert (june.total, july.total) == (D("203.75"), D("228.20"))  # 81.50 × 2.50 / × 2.80


def test_quarterly_cycles_bill_every_third_month(session):
    make_tariff(
        session,
        session.get(Community, 1),
        code="TCF",
        name="停车费",
        fee_kind="parking",
        basis="fixed",
        price=D("150"),
        cycle_months=3,
        due_days=15,
    )
    run_billing(session, date(2026, 4, 1), community_id=1)
    run_billing(session, date(2026, 5, 1), community_id=1)
    april, may = bills(session, date(2026, 4, 1))[0], bills(session, date(2026, 5, 1))[0]
    assert [(line.name, line.amount) for line in april.lines] == [
        ("物业服务费", D("203.75")),
        ("停车费", D("450.00")),
    ]
    assert (april.period_end, april.due_date) == (date(2026, 6, 30), date(2026, 4, 16))
    assert [line.name for line in may.lines] == ["物业服务费"]


def test_lines_keep_their_amounts_when_the_tariff_changes(session):
    run_billing(session, MARCH, community_id=1)
    tariff = session.scalar(select(Tariff).where(Tariff.community_id == 1))
    tariff.price = D("9.9999")
    session.flush()
    assert session.scalar(select(BillLine.amount).limit(1)) == D("203.75")


areas = st.integers(1, 9_999_999).map(lambda n: D(n) / 100)
prices = st.integers(0, 99_999_999).map(lambda n: D(n) / 10000)


# The session is only read from, so sharing it across examples is safe.
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(area=areas, price=prices, months=st.sampled_from([1, 3, 6, 12]))
def test_the_sql_formula_equals_the_domain_formula(session, area, price, months):
    tariff = Tariff(basis="area", price=price, cycle_months=months)
    fen = session.scalar(select(line_fen(tariff, literal(area, Numeric(12, 2)))))
    assert D(fen) / 100 == line_amount("area", price, area, months)


@pytest.mark.parametrize(
    ("period", "ok"),
    [(date(2027, 3, 1), True), (date(2027, 4, 1), False), (date(2099, 12, 1), False)],
)
def test_a_run_bills_at_most_billing_months_ahead_months_past_this_month(session, period, ok):
    def run():
        return run_billing(session, period, community_id=1, today=date(2026, 12, 5))

    if ok:
        assert run().bills == 2
        return
    with pytest.raises(DomainError) as info:
        run()
    assert "2027-03" in info.value.as_dict()["period"][0]
    assert session.scalar(select(func.count(Bill.id))) == 0


def test_the_billing_horizon_is_a_setting(session):
    session.add(Setting(key="billing_months_ahead", value="12"))
    session.flush()
    assert run_billing(session, date(2027, 12, 1), 1, today=date(2026, 12, 5)).bills == 2
