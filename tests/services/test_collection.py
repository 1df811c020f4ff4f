"""Collection campaigns (docs/domain.md §7): creation from filters, contacts and their next actions,
the campaign report with clearance rate and collector score (§12)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from flask_appbuilder.security.sqla.models import User
from flask_babel import force_locale
from sqlalchemy import func, select

from app.clock import business_date
from app.models import (
    CollectionCampaign,
    CollectionTask,
    ContactAttempt,
    DunningCase,
    StaffAssignment,
)
from app.services.billing import run_billing
from app.services.collection import close_campaign, create_campaign
from app.services.collection_report import campaign_report
from app.services.collection_tasks import contacts_since, record_contact
from app.services.complaint_followups import mark_nonpayment_reason
from app.services.complaints import log_complaint
from app.services.errors import DomainError, NotFoundError
from app.services.installments import approve_installment
from app.services.payments import record_payment, reverse_payment
from app.services.people import full_name
from tests.collection import staff_ids
from tests.factories import make_owner, make_ownership, make_unit
from tests.installments import signed_draft

MARCH_31 = date(2026, 3, 31)


def user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def billed(session):
    """Community A on 31 March: 1-1-101 owes ¥407.50 (59 days), 1-1-102 ¥412.50 (59 days)."""
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1), community_id=1)
    session.flush()


@pytest.fixture
def staff(session):
    return [user_id(session, "collector"), user_id(session, "customerservice")]


def campaign_of(session, staff, **kw):
    values = {"min_days_overdue": 1, "as_of": MARCH_31, "actor": "manager"} | kw
    return create_campaign(session, 1, "三月清欠", staff, **values)


def english(err: DomainError) -> dict[str, str]:
    with force_locale("en"):
        return {field: " ".join(messages) for field, messages in err.as_dict().items()}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_campaign_deals_the_overdue_units_to_its_staff(session, billed, staff):
    campaign = campaign_of(session, staff)
    assert (campaign.status, campaign.started_on, campaign.first_contact_by) == (
        "active",
        MARCH_31,
        date(2026, 4, 3),  # the default three days
    )
    tasks = sorted(campaign.tasks, key=lambda t: t.unit_id)
    assert [(t.unit.code, t.arrears_at_start, t.days_overdue_at_start) for t in tasks] == [
        ("1-1-101", D("407.50"), 59),
        ("1-1-102", D("412.50"), 59),
    ]
    assert {t.assignee_id for t in tasks} == set(staff)  # one each
    assert {(t.status, t.next_action, t.next_due) for t in tasks} == {
        ("new", "first_contact", MARCH_31)
    }
    assert [t.owner.name for t in tasks] == ["A业主甲", "A业主乙"]


def test_many_units_are_balanced_over_the_staff(session, billed, staff):
    from app.models import Building

    building = session.get(Building, 1)
    for n in range(1, 10):
        unit = make_unit(session, building, f"2-1-{n:03d}", area=f"{50 + 10 * n}.00")
        make_ownership(session, unit, make_owner(session, building.community, f"业主{n}"))
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1), community_id=1)
    campaign = campaign_of(session, staff)
    piles = {s: [t for t in campaign.tasks if t.assignee_id == s] for s in staff}
    assert sorted(len(p) for p in piles.values()) == [5, 6]
    sums = [sum(t.arrears_at_start for t in p) for p in piles.values()]
    assert abs(sums[0] - sums[1]) <= min(t.arrears_at_start for t in campaign.tasks)


@pytest.mark.parametrize(
    ("filters", "units"),
    [
        ({"min_days_overdue": 59}, ["1-1-101", "1-1-102"]),
        ({"min_amount": "408"}, ["1-1-102"]),
        ({"min_amount": "", "first_contact_days": 0}, ["1-1-101", "1-1-102"]),
    ],
)
def test_filters_pick_the_units(session, billed, staff, filters, units):
    campaign = campaign_of(session, staff, **filters)
    assert sorted(t.unit.code for t in campaign.tasks) == units


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"staff": []}, "staff", "Choose at least one staff member"),
        ({"staff": None}, "staff", "Choose at least one staff member"),
        ({"staff": "admin"}, "staff", "Not assigned to 安居小区: 测试Admin."),
        ({"name": " "}, "name", "required"),
        ({"min_days_overdue": 0}, "min_days_overdue", "At least 1"),
        ({"min_days_overdue": "x"}, "min_days_overdue", "whole number"),
        ({"min_amount": "-5"}, "min_amount", "above zero"),
        ({"min_days_overdue": 60}, "min_days_overdue", "No unit of this community matches"),
        ({"first_contact_days": -1}, "first_contact_days", "At least 0"),
    ],
)
def test_bad_campaigns_are_refused_and_write_nothing(
    session, billed, staff, change, field, message
):
    args = {"name": "三月清欠", "staff": staff, "min_days_overdue": 1} | change
    if args["staff"] == "admin":
        args["staff"] = [user_id(session, "admin")]  # works for no community
    with pytest.raises(DomainError) as refused:
        create_campaign(session, 1, args.pop("name"), args.pop("staff"), as_of=MARCH_31, **args)
    assert message in english(refused.value)[field]
    assert count(session, CollectionCampaign) == count(session, CollectionTask) == 0


def test_staff_of_another_community_and_unknown_communities_are_refused(session, billed, staff):
    session.execute(StaffAssignment.__table__.delete().where(StaffAssignment.user_id == staff[1]))
    with pytest.raises(DomainError) as refused:
        campaign_of(session, staff)
    assert english(refused.value) == {"staff": "Not assigned to 安居小区: 测试CustomerService."}
    with pytest.raises(NotFoundError):
        create_campaign(session, 99, "x", staff, as_of=MARCH_31)


def test_a_unit_is_in_one_active_campaign_at_a_time(session, billed, staff):
    first = campaign_of(session, staff)
    with pytest.raises(DomainError) as refused:
        campaign_of(session, staff)
    assert "another active campaign" in english(refused.value)["min_days_overdue"]
    close_campaign(session, first.id)
    assert first.status == "closed" and first.closed_at is not None
    assert len(campaign_of(session, staff).tasks) == 2
    with pytest.raises(DomainError) as refused:
        close_campaign(session, first.id)
    assert english(refused.value) == {"campaign_id": "This campaign is already closed."}


@pytest.fixture
def task(session, billed, staff):
    campaign = campaign_of(session, staff, as_of=business_date())
    return next(t for t in campaign.tasks if t.unit_id == 1)


AT = datetime(2026, 11, 23, 2, tzinfo=UTC)  # 10:00 on 23 November in Shanghai
DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("outcome", "extra", "status", "action", "due"),
    [
        (
            "promised",
            {"promised_date": "2026-11-30", "promised_amount": "407.50"},
            "promised",
            "remind_before_promise",
            date(2026, 11, 29),
        ),
        ("undetermined", {}, "in_progress", "contact_again", date(2026, 11, 24)),
        ("unreachable", {}, "in_progress", "find_contact_visit", date(2026, 11, 24)),
        ("away", {}, "in_progress", "guide_remote_payment", date(2026, 11, 24)),
        ("refused", {"refusal_reason": "电梯长期故障"}, "escalated", "manager_follow_up", DAY),
    ],
)
def test_each_outcome_sets_the_next_action(session, task, outcome, extra, status, action, due):
    attempt = record_contact(session, task.id, "phone", outcome, at=AT, actor="collector", **extra)
    assert (attempt.outcome, attempt.recorded_by, attempt.community_id) == (outcome, "collector", 1)
    assert (task.status, task.next_action, task.next_due, task.last_outcome) == (
        status,
        action,
        due,
        outcome,
    )
    assert task.complaint_needed is (outcome == "refused")


def test_a_refusal_records_its_reason_and_asks_for_a_complaint(session, task):
    record_contact(
        session,
        task.id,
        "visit",
        "refused",
        refusal_reason=" 电梯长期故障 ",
        note="业主情绪激动",
        at=AT,
    )
    attempt = session.scalar(select(ContactAttempt))
    assert (attempt.refusal_reason, attempt.note) == ("电梯长期故障", "业主情绪激动")
    assert (task.status, task.complaint_needed) == ("escalated", True)


def test_a_promise_pauses_dunning_until_the_promised_day(session, task):
    case = DunningCase(
        community_id=1, unit_id=1, owner_id=task.owner_id, level=1, opened_on=date(2026, 2, 1)
    )
    session.add(case)
    session.flush()
    record_contact(session, task.id, "phone", "promised", "2026-11-30", "200.00", at=AT)
    assert (case.pause_kind, case.paused_until) == ("promise", date(2026, 11, 30))
    assert "200.00" in case.pause_note


def test_a_promise_never_replaces_an_installment_pause(session, task):
    case = DunningCase(
        community_id=1, unit_id=1, level=1, opened_on=date(2026, 2, 1), pause_kind="installment"
    )
    session.add(case)
    session.flush()
    record_contact(session, task.id, "phone", "promised", "2026-11-30", "200.00", at=AT)
    assert (case.pause_kind, case.paused_until) == ("installment", None)


def test_a_promise_made_while_a_complaint_holds_the_case_holds_it_once_the_complaint_lifts(
    session, task
):
    case = DunningCase(
        community_id=1, unit_id=1, level=1, opened_on=date(2026, 2, 1), pause_note=""
    )
    session.add(case)
    session.flush()
    item = log_complaint(
        session,
        1,
        "phone",
        "facilities",
        "电梯停运",
        actor="customerservice",
        nonpayment_reason=True,
    )
    record_contact(session, task.id, "phone", "promised", "2026-11-30", "200.00", at=AT)
    assert case.pause_kind == "complaint"  # fix the service first: the complaint still holds
    mark_nonpayment_reason(
        session, item.id, False, "业主同意先缴费", "customerservice", today=date(2026, 11, 29)
    )
    assert (case.pause_kind, case.paused_until) == ("promise", date(2026, 11, 30))
    assert "200.00" in case.pause_note


@pytest.mark.parametrize(
    ("outcome", "extra", "field", "message"),
    [
        (
            "promised",
            {"promised_date": "2026-11-22", "promised_amount": "100"},
            "promised_date",
            "cannot lie in the past",
        ),
        ("promised", {"promised_amount": "100"}, "promised_date", "which day"),
        (
            "promised",
            {"promised_date": "30/11/2026", "promised_amount": "100"},
            "promised_date",
            "YYYY-MM-DD",
        ),
        ("promised", {"promised_date": "2026-11-30"}, "promised_amount", "required"),
        ("refused", {"refusal_reason": "  "}, "refusal_reason", "why the owner refuses"),
        ("angry", {}, "outcome", "Choose one of"),
    ],
)
def test_bad_contacts_are_refused_and_write_nothing(session, task, outcome, extra, field, message):
    with pytest.raises(DomainError) as refused:
        record_contact(session, task.id, "phone", outcome, at=AT, **extra)
    assert message in english(refused.value)[field]
    assert count(session, ContactAttempt) == 0
    assert (task.status, task.next_action) == ("new", "first_contact")


def test_no_contact_on_a_closed_campaign_or_an_unknown_task(session, task):
    with pytest.raises(DomainError) as refused:
        record_contact(session, task.id, "pigeon", "away", at=AT)
    assert list(refused.value.messages) == ["channel"]
    close_campaign(session, task.campaign_id)
    with pytest.raises(DomainError) as refused:
        record_contact(session, task.id, "phone", "away", at=AT)
    assert english(refused.value) == {"task_id": "The campaign of this task is closed."}
    with pytest.raises(NotFoundError):
        record_contact(session, 999, "phone", "away", at=AT)


def test_campaign_report_clearance_and_score(session, billed, staff):
    campaign = campaign_of(session, staff)
    first, second = sorted(campaign.tasks, key=lambda t: t.unit_id)
    record_contact(
        session, first.id, "phone", "promised", business_date() + timedelta(days=2), "407.50"
    )
    record_contact(session, second.id, "phone", "unreachable")
    run_billing(session, date(2026, 4, 1), community_id=1)  # a bill issued after the start
    record_payment(session, 1, "407.50", "cash")  # clears unit 1's arrears at start
    record_payment(session, 2, "350.00", "cash")  # 84.85 % of unit 2's
    wrong = record_payment(session, 2, "100.00", "wechat", reference="WX1")
    reverse_payment(session, wrong.payment.id, "录错")  # the reversal takes it back
    report = campaign_report(session, campaign.id)
    rows = {row.name: row for row in report.rows}
    assert [row.name for row in report.rows] == ["测试Collector", "测试CustomerService"]  # 姓名
    one, two = (
        rows[full_name(t.assignee.first_name, t.assignee.last_name)] for t in (first, second)
    )
    assert (one.units, one.contacted, one.promised, one.collected, one.rate, one.score) == (
        1,
        1,
        1,
        D("407.50"),
        D("1.0000"),
        100,
    )
    assert (two.units, two.contacted, two.promised, two.collected, two.rate, two.score) == (
        1,
        0,
        0,
        D("350.00"),
        D("0.8485"),
        80,
    )
    total = report.total
    assert (total.units, total.contacted, total.arrears, total.collected, total.rate) == (
        2,
        1,
        D("820.00"),
        D("757.50"),
        D("0.9238"),
    )


def test_money_paid_before_the_campaign_does_not_count(session, billed, staff):
    record_payment(session, 1, "100.00", "cash")
    campaign = campaign_of(session, staff)
    report = campaign_report(session, campaign.id)
    assert report.total.collected == D("0.00")
    assert report.total.arrears == D("720.00")
    assert campaign_report(session, campaign.id, date(2020, 1, 1)).total.collected == D("0.00")


def test_a_units_contacts_are_counted_from_a_business_day(db):
    """From midnight in Shanghai (16:00 UTC the day before), on SQLite and PostgreSQL."""
    run_billing(db, date(2026, 1, 1), 1)
    campaign = create_campaign(db, 1, "清欠", staff_ids(db), actor="manager")
    task = next(t for t in campaign.tasks if t.unit_id == 1)
    before, after = (datetime(2026, 11, 22, hour, 30, tzinfo=UTC) for hour in (15, 16))
    for at in (before, after):
        record_contact(db, task.id, "phone", "undetermined", at=at)
    assert [a.at for a in contacts_since(db, 1, date(2026, 11, 23))] == [after]
    assert [a.at for a in contacts_since(db, 1, date(2026, 11, 22))] == [before, after]
    assert contacts_since(db, 2, date(2026, 11, 22)) == []  # another unit's task


def test_a_campaign_leaves_out_owners_held_by_an_agreement_or_a_promise(session, billed, staff):
    """Nobody calls an owner who keeps an installment agreement, or whose promised day to pay
    has not come: the dunning scan holds them, and so does a new campaign."""
    approve_installment(session, signed_draft(session, 1), actor="manager")
    first = campaign_of(session, staff)
    assert [t.unit_id for t in first.tasks] == [2]
    record_contact(
        session,
        first.tasks[0].id,
        "phone",
        "promised",
        promised_date=MARCH_31 + timedelta(days=10),
        promised_amount="412.50",
        at=datetime(2026, 3, 31, 2, tzinfo=UTC),
        actor="collector",
    )
    close_campaign(session, first.id)
    with pytest.raises(DomainError) as refused:
        campaign_of(session, staff)
    assert "promise to pay" in english(refused.value)["min_days_overdue"]
    later = campaign_of(session, staff, as_of=MARCH_31 + timedelta(days=11))
    assert [t.unit_id for t in later.tasks] == [2]  # the promised day passed unpaid
