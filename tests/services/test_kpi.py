"""Key figures (docs/domain.md §12) with exact figures on the hand-made ledger of ``tests/kpi.py``
(its docstring gives the bills; ``build_ledger`` the payments, reversals and waivers)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import event, select

from app.clock import business_date
from app.models import DunningAction, DunningCase, Payment, Waiver
from app.services.collection import close_campaign
from app.services.collection_report import campaign_report
from app.services.errors import DomainError
from app.services.kpi_arrears import old_arrears_recovery, outstanding
from app.services.kpi_collection import (
    collection_by_community,
    collection_figures,
    collection_overview,
    monthly_collection_rates,
    year_to_date,
)
from app.services.kpi_work import collector_scores, dunning_funnel
from app.services.payments import record_payment
from tests.collection import start_campaign, user_id
from tests.kpi import MARCH_31, build_ledger, waive


@pytest.fixture
def ledger(session):
    build_ledger(session)
    return session


def figures(f) -> tuple:
    return (
        f.billed,
        f.waived,
        f.collected,
        f.collection_rate,
        f.units_billed,
        f.units_paid,
        f.household_rate,
    )


def test_collection_and_household_rate_of_a_period(ledger):
    march = collection_figures(ledger, "2026-03", MARCH_31)
    # billed 4 × March = 820.00; waived by 31 Mar: unit 4's 50.00 (the February one came later);
    # collected by the end of 31 Mar: unit 1 203.75 + unit 2 100.00 (23:30, the 00:30 payment
    # is April's) + unit 3 203.75 (its reversal is on 10 April) = 507.50;
    # 507.50 ÷ (820.00 − 50.00) = 0.65909… -> 0.6591.
    # Units owing: all four; paid in full: units 1 and 3 -> 2 ÷ 4.
    assert figures(march) == (D("820.00"), D("50.00"), D("507.50"), D("0.6591"), 4, 2, D("0.5000"))
    assert (march.first_period, march.period, march.as_of) == ("2026-03", "2026-03", MARCH_31)


@pytest.mark.parametrize(
    ("as_of", "collected", "collection_rate", "units_paid", "household_rate"),
    [
        # before anything of March was paid
        (date(2026, 3, 9), "0.00", "0.0000", 0, "0.0000"),
        # 1 April: unit 2's 00:30 payment -> 203.75 + 206.25 + 203.75 = 613.75; ÷ 770 = 0.79708…
        (date(2026, 4, 1), "613.75", "0.7971", 3, "0.7500"),
        # 10 April: unit 3's March payment reversed -> 410.00 ÷ 770 = 0.53246…
        (date(2026, 4, 10), "410.00", "0.5325", 2, "0.5000"),
    ],
)
def test_later_payments_and_reversals_count_from_their_day(
    ledger, as_of, collected, collection_rate, units_paid, household_rate
):
    march = collection_figures(ledger, "2026-03", as_of)
    assert (march.collected, march.collection_rate) == (D(collected), D(collection_rate))
    assert (march.units_paid, march.household_rate) == (units_paid, D(household_rate))


def test_a_reversal_before_the_day_takes_the_money_back(ledger):
    # 15 Feb: unit 2 paid January and February; 16 Feb: reversed; 20 Feb: unit 1 paid February.
    assert collection_figures(ledger, "2026-02", date(2026, 2, 15)).collected == D("206.25")
    february = collection_figures(ledger, "2026-02", date(2026, 2, 20))
    assert (february.collected, february.collection_rate) == (D("203.75"), D("0.2485"))
    # 28 Feb: units 1, 2 and 3 paid February: 613.75 ÷ 820.00 = 0.74847… -> 0.7485
    assert collection_figures(ledger, "2026-02", date(2026, 2, 28)).collection_rate == D("0.7485")
    # the ¥20.00 waiver approved on 10 April leaves 820.00 − 20.00 = 800.00 to collect
    april = collection_figures(ledger, "2026-02", date(2026, 4, 10))
    assert (april.waived, april.collection_rate) == (D("20.00"), D("0.7672"))  # 613.75 ÷ 800


def test_community_scope(ledger):
    # community A only: billed 203.75 + 206.25 = 410.00, collected 203.75 + 100.00 = 303.75;
    # 303.75 ÷ 410.00 = 0.74085… -> 0.7409; unit 1 paid, unit 2 not.
    a = collection_figures(ledger, "2026-03", MARCH_31, {1})
    assert figures(a) == (D("410.00"), D("0.00"), D("303.75"), D("0.7409"), 2, 1, D("0.5000"))
    # A owes only unit 2's March rest (106.25), due 31 March: not yet overdue on that day.
    assert (a.balance_due, a.overdue_balance, a.overdue_rate) == (D("106.25"), D("0.00"), D("0"))
    assert figures(collection_figures(ledger, "2026-03", MARCH_31, set()))[:4] == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
        None,
    )


def test_figures_by_community(ledger):
    # A: 303.75 ÷ 410.00; B: unit 3's 203.75 ÷ (410.00 − 50.00) = 0.56597…
    rows = collection_by_community(ledger, "2026-03", MARCH_31)
    assert [(c.code, f.collection_rate, f.overdue_balance) for c, f in rows] == [
        ("A", D("0.7409"), D("0.00")),
        ("B", D("0.5660"), D("412.50")),
    ]
    assert rows[0][1] == collection_figures(ledger, "2026-03", MARCH_31, {1})
    assert [c.code for c, _ in collection_by_community(ledger, "2026-03", MARCH_31, {2})] == ["B"]


def test_no_bills_no_rates(ledger):
    may = collection_figures(ledger, "2026-05", date(2026, 5, 31))
    assert figures(may) == (D("0.00"), D("0.00"), D("0.00"), None, 0, 0, None)
    before = collection_figures(ledger, "2025-12", date(2025, 12, 31))
    assert (before.balance_due, before.overdue_balance, before.overdue_rate) == (
        D("0.00"),
        D("0.00"),
        None,
    )


def test_a_bill_waived_in_full_owes_nothing(ledger):
    waive(ledger, 4, 3, "156.25", MARCH_31)  # the rest of unit 4's March bill
    march = collection_figures(ledger, "2026-03", MARCH_31)
    # waived 206.25: 507.50 ÷ (820.00 − 206.25) = 0.82688… ; unit 4 owes nothing -> 2 of 3
    assert figures(march) == (D("820.00"), D("206.25"), D("507.50"), D("0.8269"), 3, 2, D("0.6667"))


def test_overdue_rate(ledger):
    # Outstanding at the end of 31 March: unit 2 March 106.25 (due that day: not overdue);
    # unit 4 January 206.25 and February 206.25 (overdue; the February waiver came later),
    # March 206.25 − 50.00 = 156.25 (not overdue). Units 1 and 3 owe nothing that day.
    # 675.00 outstanding, 412.50 overdue: 0.61111… -> 0.6111.
    march = collection_figures(ledger, "2026-03", MARCH_31)
    assert (march.balance_due, march.overdue_balance, march.overdue_rate) == (
        D("675.00"),
        D("412.50"),
        D("0.6111"),
    )
    # 10 April: unit 2 paid up; unit 3's March 203.75 reopened; unit 4 January 206.25,
    # February 186.25, March 156.25; all overdue: 752.50 of 752.50.
    assert outstanding(ledger, date(2026, 4, 10)) == (D("752.50"), D("752.50"))
    # 16 February (March has not started): units 1 and 3 owe February (203.75 each, paid
    # later); units 2 (reopened by the reversal) and 4 owe January and February (412.50
    # each). Only January is overdue: 206.25 for unit 2 and for unit 4.
    assert outstanding(ledger, date(2026, 2, 16)) == (D("1232.50"), D("412.50"))


def test_year_to_date(ledger):
    ytd = year_to_date(ledger, "2026-03", MARCH_31)
    # billed 3 × 820.00 = 2,460.00; waived 50.00 (10 April's and the pending one not yet);
    # collected: unit 1 611.25 + unit 2 206.25 + 206.25 + 100.00 + unit 3 611.25 = 1,735.00;
    # 1,735.00 ÷ 2,410.00 = 0.71991… -> 0.7199; units 1 and 3 paid every month: 2 of 4.
    assert figures(ytd) == (D("2460.00"), D("50.00"), D("1735.00"), D("0.7199"), 4, 2, D("0.5000"))
    assert (ytd.first_period, ytd.period) == ("2026-01", "2026-03")
    assert ytd.overdue_rate == D("0.6111")


def test_monthly_rates_at_month_end_and_to_date(ledger):
    rates = monthly_collection_rates(ledger, "2026-03", MARCH_31, months=4)
    assert [(r.period, r.at_month_end, r.to_date) for r in rates] == [
        ("2025-12", None, None),
        # January by 31 Jan: units 1 and 3, 407.50 ÷ 820 = 0.49695…; by 31 Mar also unit 2
        ("2026-01", D("0.4970"), D("0.7485")),
        # February by 28 Feb: units 1, 2 and 3 (613.75 ÷ 820)
        ("2026-02", D("0.7485"), D("0.7485")),
        ("2026-03", D("0.6591"), D("0.6591")),
    ]
    # each figure is the one collection_figures gives
    assert (
        rates[1].at_month_end
        == collection_figures(ledger, "2026-01", date(2026, 1, 31)).collection_rate
    )


def test_the_dashboards_overview_gives_the_same_figures(ledger):
    overview = collection_overview(ledger, "2026-03", MARCH_31)
    assert overview.figures == collection_figures(ledger, "2026-03", MARCH_31)
    assert overview.year_to_date_rate == year_to_date(ledger, "2026-03", MARCH_31).collection_rate
    assert overview.year_to_date_rate == D("0.7199")
    assert overview.monthly == monthly_collection_rates(ledger, "2026-03", MARCH_31)
    # December 2025 is in the chart but not in the year to date of March 2026
    assert [m.period for m in overview.monthly][8:] == ["2025-12", "2026-01", "2026-02", "2026-03"]


def test_old_arrears_recovery(ledger):
    # February: arrears of earlier periods = January bills overdue on 1 Feb: units 2 and 4,
    # 206.25 each. Recovered in February: unit 2's 206.25 (paid, reversed, paid again).
    # Still open on 28 Feb: unit 4's 206.25. 206.25 ÷ 412.50 = 0.5.
    february = old_arrears_recovery(ledger, "2026-02", date(2026, 2, 28))
    assert (february.recovered, february.still_open, february.recovery_rate) == (
        D("206.25"),
        D("206.25"),
        D("0.5000"),
    )
    # as of 16 Feb the reversal has taken the recovery back
    assert old_arrears_recovery(ledger, "2026-02", date(2026, 2, 16)).recovery_rate == D("0")
    # a later day changes nothing once the period is over
    assert old_arrears_recovery(ledger, "2026-02", date(2026, 12, 31)) == type(february)(
        "2026-02", date(2026, 12, 31), D("206.25"), D("206.25"), D("0.5000")
    )
    # April: arrears = January to March bills (March fell due on 31 March). Recovered in
    # April: unit 2's 106.25. Unit 3's reversal on 10 April undoes money paid in March: it
    # reopens 203.75 of arrears but recovers nothing negative. Still open on 30 April:
    # unit 3 203.75 + unit 4 206.25 + (206.25 − 20.00) + (206.25 − 50.00) = 752.50.
    # 106.25 ÷ (106.25 + 752.50) = 0.12372… -> 0.1237.
    april = old_arrears_recovery(ledger, "2026-04", date(2026, 4, 30))
    assert (april.recovered, april.still_open, april.recovery_rate) == (
        D("106.25"),
        D("752.50"),
        D("0.1237"),
    )
    # community B only: nothing recovered, unit 3's and unit 4's arrears open
    b = old_arrears_recovery(ledger, "2026-04", date(2026, 4, 30), {2})
    assert (b.recovered, b.still_open, b.recovery_rate) == (D("0.00"), D("752.50"), D("0"))


def test_a_bad_period_is_named():
    with pytest.raises(DomainError) as caught:
        collection_figures(None, "2026-13", MARCH_31)
    assert set(caught.value.messages) == {"period"}


def test_figures_take_a_fixed_number_of_queries(ledger):
    statements = []

    def count(*_args):
        statements.append(1)

    engine = ledger.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        collection_figures(ledger, "2026-03", MARCH_31)
        assert len(statements) == 2  # collection and household; outstanding
        statements.clear()
        monthly_collection_rates(ledger, "2026-03", MARCH_31)
        assert len(statements) == 1  # 12 months × 2 cut-offs in one query
        statements.clear()
        collection_overview(ledger, "2026-03", MARCH_31)
        assert len(statements) == 3
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- Dunning funnel --------------------------------------------------------------------------


def act(session, unit_id: int, community_id: int, level: int, day: date, amount: str) -> None:
    case = session.scalar(select(DunningCase).where(DunningCase.unit_id == unit_id))
    if case is None:
        case = DunningCase(community_id=community_id, unit_id=unit_id, level=level, opened_on=day)
        session.add(case)
    case.level = level
    session.add(
        DunningAction(
            community_id=community_id,
            case=case,
            unit_id=unit_id,
            level=level,
            kind="reminder" if level < 2 else "letter",
            channel="sms",
            scheduled_on=day,
            created_at=datetime.now(UTC),
            created_by="system",
            amount=D(amount),
            days_overdue=1,
        )
    )
    session.flush()


def test_dunning_funnel_counts_actions_per_level(session):
    act(session, 2, 1, 1, date(2026, 2, 1), "206.25")
    act(session, 4, 2, 1, date(2026, 2, 1), "206.25")
    act(session, 4, 2, 2, date(2026, 3, 2), "412.50")
    act(session, 4, 2, 3, date(2026, 4, 1), "412.50")  # after the range
    funnel = dunning_funnel(session, date(2026, 2, 1), MARCH_31)
    assert [(s.level, s.actions, s.units, s.amount) for s in funnel] == [
        (0, 0, 0, D("0.00")),
        (1, 2, 2, D("412.50")),
        (2, 1, 1, D("412.50")),
        (3, 0, 0, D("0.00")),
        (4, 0, 0, D("0.00")),
    ]
    assert all(s.name for s in funnel)
    b = dunning_funnel(session, date(2026, 2, 1), MARCH_31, {2})
    assert [(s.actions, s.amount) for s in b][1:3] == [(1, D("206.25")), (1, D("412.50"))]


# --- Collector scores ------------------------------------------------------------------------


def test_collector_scores_follow_the_campaign_report(session):
    campaign_id = start_campaign(session)  # collector: unit 2 (618.75); customer service: 1
    record_payment(session, 1, "611.25", "cash")  # clears unit 1's arrears at start
    record_payment(session, 2, "500.00", "cash")  # 500.00 ÷ 618.75 = 0.80808… -> 80
    today = business_date()
    scores = collector_scores(session, today, today)
    assert [
        (s.name, s.units, s.arrears, s.collected, s.clearance_rate, s.score) for s in scores
    ] == [
        ("测试Collector", 1, D("618.75"), D("500.00"), D("0.8081"), 80),
        ("测试CustomerService", 1, D("611.25"), D("611.25"), D("1.0000"), 100),
    ]
    assert scores[0].user_id == user_id(session, "collector")
    report = campaign_report(session, campaign_id, today)
    assert [(r.name, r.collected, r.rate, r.score) for r in report.rows] == [
        (s.name, s.collected, s.clearance_rate, s.score) for s in scores
    ]
    assert collector_scores(session, today, today, {2}) == []
    # campaigns started after the range are not counted
    assert collector_scores(session, date(2026, 1, 1), date(2026, 1, 31)) == []


def test_a_closed_campaign_counts_until_it_closed(session):
    campaign_id = start_campaign(session)
    ledger_day = business_date()
    close_campaign(session, campaign_id)
    assert len(collector_scores(session, ledger_day, ledger_day)) == 2
    tomorrow = date.fromordinal(ledger_day.toordinal() + 1)
    assert collector_scores(session, tomorrow, tomorrow) == []


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_same_figures_on_postgres(pg_session):
    build_ledger(pg_session)
    assert figures(collection_figures(pg_session, "2026-03", MARCH_31)) == (
        D("820.00"),
        D("50.00"),
        D("507.50"),
        D("0.6591"),
        4,
        2,
        D("0.5000"),
    )
    assert outstanding(pg_session, MARCH_31) == (D("675.00"), D("412.50"))
    assert year_to_date(pg_session, "2026-03", MARCH_31).collection_rate == D("0.7199")
    april = old_arrears_recovery(pg_session, "2026-04", date(2026, 4, 30))
    assert april.recovery_rate == D("0.1237")
    rates = monthly_collection_rates(pg_session, "2026-03", MARCH_31, months=3)
    assert [r.at_month_end for r in rates] == [D("0.4970"), D("0.7485"), D("0.6591")]
    assert pg_session.scalar(select(Payment.id).where(Payment.kind == "reversal")) is not None
    assert pg_session.scalar(select(Waiver.id).where(Waiver.status == "requested")) is not None
