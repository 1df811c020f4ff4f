"""The monthly supervision-check report (docs/domain.md §11): rendered to a real PDF and read back;
every figure printed is the one the key-figures service computes (the test asks it the same way)."""

import re
from datetime import timedelta

import pytest

from app.clock import business_date
from app.domain.money import format_money
from app.domain.periods import month_start
from app.domain.rates import format_percent
from app.models import Community
from app.services import kpi
from app.services.arrears import aging_summary
from app.services.billing import run_billing
from app.services.collection import create_campaign
from app.services.complaints import log_complaint
from app.services.dunning import scan_dunning
from app.services.errors import DomainError
from app.services.payments import record_payment
from app.services.survey_responses import record_response
from app.services.surveys import close_survey, create_survey, open_survey
from reports.supervision import render, report_document
from tests.collection import bill_first_quarter, staff_ids
from tests.conftest import CLOCK_NOW
from tests.reports import pdf
from tests.supervision import finding, make_check

TODAY = business_date(CLOCK_NOW)
MONTH = month_start(TODAY)
PERIOD = f"{MONTH:%Y-%m}"
# The world is built around "this month" and the services read today from the clock.
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def world(session):
    """Community A this month: January to March and this month billed, a campaign over the
    arrears with a payment since, the dunning scan, a complaint, a check with an overdue and an
    open finding; community B billed this month only."""
    bill_first_quarter(session)
    run_billing(session, MONTH, community_id=1)
    run_billing(session, MONTH, community_id=2)
    create_campaign(session, 1, "本月清欠", staff_ids(session), actor="manager")
    session.commit()
    record_payment(session, 1, "700.00", "cash", actor="finance")
    record_payment(session, 3, "80.00", "wechat", actor="finance")
    scan_dunning(session, TODAY, actor="test")
    log_complaint(session, 2, "phone", "cleaning", "楼道垃圾未清", actor="customerservice")
    survey = create_survey(session, 1, "本月满意度调查", PERIOD, TODAY, TODAY)
    open_survey(session, survey.id)
    record_response(session, survey.id, 1, {"overall": 4, "cleaning": 2})
    record_response(session, survey.id, 2, {"overall": 5, "cleaning": 4})
    close_survey(session, survey.id)
    session.commit()
    make_check(
        session,
        finding(session, deadline_days=-1, text="电梯年检过期"),
        finding(session, "finance", 3, "general", "公告栏破损"),
        days_ago=5,
    )
    return session


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]


def has_row(text: str, *cells: str) -> bool:
    """Whether one line of the PDF holds ``cells`` in this order."""
    pattern = r"\s(?:.*\s)?".join(re.escape(c) for c in cells)
    return any(re.search(rf"(?:^|\s){pattern}(?:\s|$)", line) for line in lines(text))


@pytest.fixture
def report_a(world):
    context = report_document(world, PERIOD, 1)
    document, pages = render(context)
    return context, pdf.text(document), pages


def test_the_report_prints_every_figure_of_the_key_figures_service(session, report_a):
    context, text, pages = report_a
    ids, as_of = {1}, TODAY
    assert context["number"] == f"JC-A-{MONTH:%Y%m}" and context["number"] in text
    assert 2 <= pages <= 8

    month = kpi.collection_figures(session, PERIOD, as_of, ids)
    year = kpi.year_to_date(session, PERIOD, as_of, ids)
    assert month.collected > 0 and month.collection_rate is not None
    for money in ("billed", "waived", "collected"):
        assert has_row(
            text, format_money(getattr(month, money)), format_money(getattr(year, money))
        )
    for rate in ("collection_rate", "household_rate"):
        assert has_row(
            text, format_percent(getattr(month, rate)), format_percent(getattr(year, rate))
        )
    for count in ("units_billed", "units_paid"):
        assert has_row(text, str(getattr(month, count)), str(getattr(year, count)))
    assert has_row(text, format_money(month.balance_due))
    assert has_row(text, format_money(month.overdue_balance))
    assert has_row(text, format_percent(month.overdue_rate))

    old = kpi.old_arrears_recovery(session, PERIOD, as_of, ids)
    assert old.recovered > 0
    for value in (
        format_money(old.recovered),
        format_money(old.still_open),
        format_percent(old.recovery_rate),
    ):
        assert has_row(text, value)

    funnel = kpi.dunning_funnel(session, MONTH, as_of, ids)
    assert sum(step.actions for step in funnel) > 0
    for step in funnel:
        assert has_row(
            text,
            f"{step.level} {step.name}",
            str(step.actions),
            str(step.units),
            format_money(step.amount),
        )

    complaints = kpi.complaint_kpis(session, MONTH, as_of, ids)
    assert complaints.received == 1
    assert has_row(text, str(complaints.received), str(complaints.per_100_units))
    assert has_row(text, str(complaints.responses_due), str(complaints.responded_in_time))
    assert has_row(
        text, format_percent(complaints.response_timeliness_rate), str(complaints.resolved)
    )
    assert has_row(
        text, format_percent(complaints.resolution_rate), str(complaints.resolved_in_time)
    )

    (survey,) = kpi.satisfaction_summary(session, as_of, ids)
    assert survey.responses == 2
    assert has_row(
        text, str(survey.responses), str(survey.units), format_percent(survey.response_rate)
    )
    for d in survey.dimensions:
        mean = "—" if d.mean is None else str(d.mean)
        assert has_row(text, str(d.answers), mean, format_percent(d.satisfaction_rate))

    scores = kpi.collector_scores(session, MONTH, as_of, ids)
    assert len(scores) == 2 and any(s.collected > 0 for s in scores)
    for s in scores:
        assert has_row(
            text,
            s.name,
            str(s.units),
            format_money(s.arrears),
            format_money(s.collected),
            format_percent(s.clearance_rate),
            str(s.score),
        )

    # The ledger: the overdue finding and the open one, the counts of each status.
    assert has_row(text, "电梯年检过期")
    assert has_row(text, "公告栏破损")


def test_the_aging_and_installments_are_those_of_their_services(session, report_a):
    context, text, _pages = report_a
    (row,) = aging_summary(session, TODAY, {1})
    assert has_row(
        text,
        row.community,
        *(format_money(a) for _n, a in row.buckets.values()),
        format_money(row.amount),
    )
    counts = kpi.installment_counts(session, TODAY, {1})
    assert [n for _label, n in context["installments"]] == list(counts.values())


def test_the_company_wide_report_lists_every_community(world):
    context = report_document(world, PERIOD)
    document, _pages = render(context)
    text = pdf.text(document)
    assert context["number"] == f"JC-ALL-{MONTH:%Y%m}"
    for community_id in (1, 2):
        name = world.get(Community, community_id).name
        figures = kpi.collection_figures(world, PERIOD, TODAY, {community_id})
        assert has_row(
            text,
            name,
            format_money(figures.billed),
            format_money(figures.collected),
            format_percent(figures.collection_rate),
        )
    month, year = (
        f(world, PERIOD, TODAY, None) for f in (kpi.collection_figures, kpi.year_to_date)
    )
    assert has_row(text, format_money(month.billed), format_money(year.billed))
    assert has_row(
        text, format_percent(month.collection_rate), format_percent(year.collection_rate)
    )
    assert has_row(text, format_percent(month.overdue_rate))


def test_a_month_not_begun_is_refused(session):
    later = MONTH + timedelta(days=40)
    with pytest.raises(DomainError) as refused:
        report_document(session, f"{later:%Y-%m}", 1)
    assert set(refused.value.messages) == {"period"}
    with pytest.raises(DomainError):
        report_document(session, "2026-13", 1)


def test_an_earlier_month_is_counted_to_its_last_day(session):
    context = report_document(session, "2026-02", 1)
    assert (context["as_of"].isoformat(), context["complete"]) == ("2026-02-28", True)
    assert context["collection"].as_of.isoformat() == "2026-02-28"
