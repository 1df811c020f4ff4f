"""Supervision (docs/domain.md §11): plans, checks with findings, the rectification lifecycle, the
daily overdue marking and the ledger."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.clock import business_date
from app.domain.supervision import rectification_status
from app.models import CheckPlan, Community, Finding, Rectification, SupervisionCheck
from app.services.errors import DomainError, NotFoundError
from app.services.supervision import (
    accept_rectification,
    add_finding,
    mark_overdue,
    mark_rectified,
    record_check,
    reject_rectification,
    validate_check,
    validate_plan,
)
from app.services.supervision_ledger import ledger_counts, parse_ledger_query, rectification_ledger
from tests.collection import user_id
from tests.supervision import finding, make_check

TODAY = business_date()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def rectification_of(session, check_id: int, n: int = 0) -> Rectification:
    return session.get(SupervisionCheck, check_id).findings[n].rectification


# --- the status rule -------------------------------------------------------------------------

D = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("as_of", "rectified", "accepted", "status"),
    [
        (D, None, None, "open"),
        (D + timedelta(days=1), None, None, "overdue"),
        (D, D, None, "rectified"),
        (D - timedelta(days=1), D, None, "open"),  # not reported yet that day
        (D + timedelta(days=1), D, None, "overdue"),  # reported in time, accepted too late
        (D + timedelta(days=9), D, D + timedelta(days=2), "accepted"),
        (D + timedelta(days=1), D, D + timedelta(days=2), "overdue"),  # as of before acceptance
    ],
)
def test_the_status_on_a_day(as_of, rectified, accepted, status):
    assert rectification_status(as_of, D, rectified, accepted) == status


# --- plans -----------------------------------------------------------------------------------


def plan(session, **kw) -> CheckPlan:
    values = {
        "title": "2026 年度检查计划",
        "cycle": "annual",
        "starts_on": date(2026, 1, 1),
        "planned_checks": 12,
        "community": session.get(Community, 1),
    } | kw
    return CheckPlan(**values)


@pytest.mark.parametrize(
    ("cycle", "start", "end"),
    [
        ("annual", date(2026, 1, 1), date(2026, 12, 31)),
        ("quarterly", date(2026, 4, 1), date(2026, 6, 30)),
        ("monthly", date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_a_plan_runs_one_period_of_its_cycle(session, cycle, start, end):
    item = plan(session, cycle=cycle, starts_on=start, community=None)
    validate_plan(session, item, actor="admin")
    assert (item.ends_on, item.created_by) == (end, "admin")


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"cycle": "quarterly", "starts_on": date(2026, 2, 1)}, {"starts_on"}),
        ({"cycle": "weekly"}, {"cycle"}),
        (
            {"title": " ", "planned_checks": 0, "starts_on": None},
            {"title", "planned_checks", "starts_on"},
        ),
    ],
)
def test_a_bad_plan_is_refused_naming_the_fields(session, values, fields):
    with pytest.raises(DomainError) as refused:
        validate_plan(session, plan(session, **values))
    assert set(refused.value.messages) == fields


# --- checks and findings ---------------------------------------------------------------------


def test_a_check_is_recorded_with_its_findings_and_their_rectifications(session):
    check_id = make_check(
        session, finding(session), finding(session, "customerservice", 10, "general", "绿化带缺株")
    )
    check = session.get(SupervisionCheck, check_id)
    assert (check.community_id, check.kind, check.recorded_by) == (1, "routine", "manager")
    assert [f.severity for f in check.findings] == ["serious", "general"]
    first = check.findings[0].rectification
    assert (first.status, first.responsible.username, first.community_id) == (
        "open",
        "collector",
        1,
    )
    assert first.deadline == TODAY + timedelta(days=5)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deadline": TODAY - timedelta(days=11)}, "findings.0.deadline"),  # before the check
        ({"deadline": "next week"}, "findings.0.deadline"),
        ({"severity": "minor"}, "findings.0.severity"),
        ({"description": ""}, "findings.0.description"),
        ({"responsible": None}, "findings.0.responsible"),
    ],
)
def test_a_bad_finding_is_named_and_nothing_is_written(session, change, field):
    with pytest.raises(DomainError) as refused:
        make_check(session, finding(session), finding(session) | change)
    assert list(refused.value.messages) == [field.replace("0", "1")]
    session.rollback()
    assert count(session, SupervisionCheck) == count(session, Finding) == 0


def test_the_responsible_person_works_for_the_community(session):
    """Admin is assigned to no community; nobody of community B exists."""
    with pytest.raises(DomainError) as refused:
        make_check(session, finding(session, "admin"))
    assert "findings.0.responsible" in refused.value.messages
    with pytest.raises(DomainError) as refused:
        make_check(session, finding(session), community_id=2)
    assert "findings.0.responsible" in refused.value.messages


@pytest.mark.parametrize(
    ("kind", "days_ago", "inspector", "fields"),
    [
        ("inspection", 1, "王工", {"kind"}),
        ("routine", -1, "王工", {"checked_on"}),
        ("surprise", 0, " ", {"inspector"}),
    ],
)
def test_a_bad_check_is_refused(session, kind, days_ago, inspector, fields):
    with pytest.raises(DomainError) as refused:
        record_check(session, 1, kind, TODAY - timedelta(days=days_ago), inspector)
    assert set(refused.value.messages) == fields


def test_a_check_of_an_unknown_community_is_not_found(session):
    with pytest.raises(NotFoundError):
        record_check(session, 99, "routine", TODAY, "王工")


def test_a_check_lies_in_its_plans_period_and_community(session):
    quarter = plan(session, cycle="quarterly", starts_on=date(2026, 1, 1))
    validate_plan(session, quarter)
    other = plan(session, community=session.get(Community, 2))
    validate_plan(session, other)
    session.add_all([quarter, other])
    session.flush()
    with pytest.raises(DomainError) as refused:
        record_check(session, 1, "routine", date(2026, 4, 2), "王工", plan_id=quarter.id)
    assert list(refused.value.messages) == ["plan"]
    with pytest.raises(DomainError):
        record_check(session, 1, "routine", date(2026, 4, 2), "王工", plan_id=other.id)
    check = record_check(session, 1, "special", date(2026, 3, 31), "王工", plan_id=quarter.id)
    assert check.plan is quarter


def test_a_check_with_findings_cannot_move_after_a_deadline(session):
    check = session.get(SupervisionCheck, make_check(session, finding(session)))
    check.checked_on = TODAY + timedelta(days=6)
    with pytest.raises(DomainError) as refused:
        validate_check(session, check)
    assert set(refused.value.messages) == {"checked_on"}


def test_a_finding_is_added_to_a_recorded_check(session):
    check_id = make_check(session)
    added = add_finding(session, check_id, **finding(session, "finance", 0, "critical"))
    assert added.rectification.deadline == TODAY
    assert added.rectification.status == "open"


# --- the lifecycle ---------------------------------------------------------------------------


def test_rectified_then_accepted_by_a_manager(session):
    item = rectification_of(session, make_check(session, finding(session)))
    mark_rectified(session, item.id, "已清理堆物", "collector")
    assert (item.status, item.rectified_by, item.rectification_note) == (
        "rectified",
        "collector",
        "已清理堆物",
    )
    accept_rectification(session, item.id, "manager", "现场复查合格")
    assert (item.status, item.accepted_by, item.decision_note) == (
        "accepted",
        "manager",
        "现场复查合格",
    )
    with pytest.raises(DomainError):
        mark_rectified(session, item.id, "again", "collector")
    with pytest.raises(DomainError):
        accept_rectification(session, item.id, "admin")


def test_a_rejection_sends_it_back_to_open_with_the_reason(session):
    item = rectification_of(session, make_check(session, finding(session)))
    mark_rectified(session, item.id, "已处理", "customerservice")
    with pytest.raises(DomainError) as refused:
        reject_rectification(session, item.id, "manager", " ")
    assert set(refused.value.messages) == {"note"}
    reject_rectification(session, item.id, "manager", "仍有堆物")
    assert (item.status, item.rectified_at, item.rejections, item.decision_note) == (
        "open",
        None,
        1,
        "仍有堆物",
    )
    mark_rectified(session, item.id, "已彻底清理", "collector")
    assert item.status == "rectified"


@pytest.mark.parametrize("decider", ["collector", "customerservice"])
def test_who_is_responsible_or_reported_it_does_not_decide(session, decider):
    item = rectification_of(session, make_check(session, finding(session)))
    mark_rectified(session, item.id, "已处理", "customerservice")
    with pytest.raises(DomainError):
        accept_rectification(session, item.id, decider)
    with pytest.raises(DomainError):
        reject_rectification(session, item.id, decider, "no")


def test_nothing_to_decide_before_it_is_reported(session):
    item = rectification_of(session, make_check(session, finding(session)))
    with pytest.raises(DomainError):
        accept_rectification(session, item.id, "manager")
    with pytest.raises(DomainError) as refused:
        mark_rectified(session, item.id, "", "collector")
    assert set(refused.value.messages) == {"note"}


def test_an_unknown_rectification_is_not_found(session):
    with pytest.raises(NotFoundError):
        mark_rectified(session, 999, "done", "collector")


# --- overdue ---------------------------------------------------------------------------------


def test_the_daily_marking_is_idempotent(session):
    check_id = make_check(
        session,
        finding(session, deadline_days=-3),
        finding(session),
        finding(session, deadline_days=-1),
        days_ago=20,
    )
    late, on_time, reported = (rectification_of(session, check_id, n) for n in range(3))
    assert (late.status, on_time.status, reported.status) == ("overdue", "open", "overdue")
    session.execute(Rectification.__table__.update().values(status="open"))
    session.expire_all()
    assert mark_overdue(session, TODAY) == 2
    assert mark_overdue(session, TODAY) == 0
    assert [r.status for r in (late, on_time, reported)] == ["overdue", "open", "overdue"]
    # An overdue rectification reported now stays overdue until it is accepted.
    mark_rectified(session, reported.id, "补做", "collector")
    assert reported.status == "overdue" and reported.rectified_at is not None
    accept_rectification(session, reported.id, "manager")
    assert reported.status == "accepted"
    assert mark_overdue(session, TODAY + timedelta(days=30)) == 1  # on_time turns overdue


# --- the ledger ------------------------------------------------------------------------------


@pytest.fixture
def ledger_world(session):
    """Community A: a check 20 days ago (one overdue, one open finding) and one today (a finding
    accepted); community B: a check 5 days ago without staff, so no finding."""
    old = make_check(
        session,
        finding(session, deadline_days=-4, text="电梯年检过期"),
        finding(session, "finance", 9, "general", "公告栏破损"),
        days_ago=20,
    )
    new = make_check(
        session,
        finding(session, "customerservice", 2, "critical", "配电房漏水"),
        days_ago=0,
        kind="surprise",
    )
    item = rectification_of(session, new)
    mark_rectified(session, item.id, "已修复", "customerservice")
    accept_rectification(session, item.id, "manager")
    session.add(
        SupervisionCheck(
            community_id=2,
            kind="routine",
            checked_on=TODAY - timedelta(5),
            inspector="王工",
            summary="",
            recorded_by="t",
        )
    )
    session.commit()
    return old, new


def test_the_ledger_lists_every_rectification_with_its_status_of_the_day(session, ledger_world):
    lines = rectification_ledger(session, TODAY, None)
    assert [(line.description, line.status, line.days_overdue) for line in lines] == [
        ("电梯年检过期", "overdue", 4),
        ("配电房漏水", "accepted", 0),
        ("公告栏破损", "open", 0),
    ]
    assert lines[0].responsible == "测试Collector" and lines[0].check_kind == "routine"
    assert lines[1].accepted_on == lines[1].rectified_on == TODAY
    assert ledger_counts(lines) == {"open": 1, "rectified": 0, "accepted": 1, "overdue": 1}


def test_the_ledger_of_an_earlier_day(session, ledger_world):
    """Ten days ago: today's check was not made, the elevator finding was not due yet."""
    lines = rectification_ledger(session, TODAY - timedelta(days=10), {1})
    assert [(line.description, line.status) for line in lines] == [
        ("电梯年检过期", "open"),
        ("公告栏破损", "open"),
    ]


def test_the_ledger_filters(session, ledger_world):
    def descriptions(**kw):
        return [line.description for line in rectification_ledger(session, TODAY, **kw)]

    assert descriptions(community_ids={2}) == []
    assert descriptions(community_ids={1}, status="overdue") == ["电梯年检过期"]
    assert descriptions(severity="critical") == ["配电房漏水"]
    assert descriptions(responsible_id=user_id(session, "finance")) == ["公告栏破损"]


def test_ledger_queries_are_checked(app):
    with app.test_request_context():
        query = parse_ledger_query({"as_of": "2026-03-31", "status": "overdue"}, {1})
        assert (query.as_of, query.community_ids, query.status) == (
            date(2026, 3, 31),
            {1},
            "overdue",
        )
        with pytest.raises(DomainError) as refused:
            parse_ledger_query({"as_of": "31.3.", "severity": "x", "status": "late"}, None)
        assert set(refused.value.messages) == {"as_of", "severity", "status"}
        with pytest.raises(NotFoundError):
            parse_ledger_query({"community_id": "2"}, {1})
