"""Complaints (docs/domain.md §9): logging with its deadlines across day boundaries in the business
time zone, the status flow and its follow-up log, the daily deadline check, the
reason-for-non-payment pause of dunning, the complaint a refused collection contact opens, and the
key figures on a small hand-made set."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.models import Building, Complaint, ComplaintEntry, DunningCase, Setting
from app.services.billing import run_billing
from app.services.collection_tasks import record_contact
from app.services.complaint_figures import complaint_kpis, complaints_by_category
from app.services.complaint_followups import (
    add_note,
    assign,
    check_deadlines,
    mark_nonpayment_reason,
    return_visit,
    take_step,
)
from app.services.complaint_pauses import renew_pauses
from app.services.complaints import log_complaint, open_from_task
from app.services.dunning import scan_dunning
from app.services.errors import ConflictError, DomainError
from app.services.search import find_units
from tests.collection import start_campaign, user_id
from tests.factories import make_owner, make_ownership, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


def sh(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    """An instant given on the Shanghai clock."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def english(err: DomainError) -> dict[str, str]:
    with force_locale("en"):
        return {field: " ".join(messages) for field, messages in err.as_dict().items()}


def complaint(session, unit_id=1, category="cleaning", at=None, **kw) -> Complaint:
    return log_complaint(
        session,
        unit_id,
        kw.pop("channel", "phone"),
        category,
        kw.pop("description", "楼道垃圾三天没人清"),
        received_at=at,
        actor="customerservice",
        now=kw.pop("now", NOW),
        **kw,
    )


def steps(session, item, *names, at=None, note="已处理"):
    for name in names:
        take_step(session, item.id, name, note, "customerservice", at=at)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- Logging and deadlines -------------------------------------------------------------------


def test_a_complaint_takes_the_units_paying_owner_and_its_deadlines(session):
    item = complaint(session, at=sh(3, 10, 9))
    assert (item.unit.code, item.owner.name, item.community_id) == ("1-1-101", "A业主甲", 1)
    assert (item.status, item.logged_by, item.received_on) == (
        "new",
        "customerservice",
        date(2026, 3, 10),
    )
    assert item.respond_by == sh(3, 11, 9)  # 24 hours
    assert item.resolve_by == date(2026, 3, 17)  # 7 days
    assert [(e.action, e.from_status, e.to_status, e.by) for e in item.entries] == [
        ("logged", None, "new", "customerservice")
    ]


def test_late_evening_receipt_counts_on_its_shanghai_day(session):
    """23:30 in Shanghai is 15:30 UTC the same day; 00:30 the next day is 16:30 UTC."""
    late = complaint(session, at=datetime(2026, 3, 10, 15, 30, tzinfo=UTC))
    after_midnight = complaint(session, at=datetime(2026, 3, 10, 16, 30, tzinfo=UTC))
    assert (late.received_on, late.resolve_by) == (date(2026, 3, 10), date(2026, 3, 17))
    assert late.respond_by == datetime(2026, 3, 11, 15, 30, tzinfo=UTC)
    assert (after_midnight.received_on, after_midnight.resolve_by) == (
        date(2026, 3, 11),
        date(2026, 3, 18),
    )


def test_the_business_day_follows_wuye_timezone(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WUYE_TIMEZONE", "UTC")
    item = complaint(session, at=datetime(2026, 3, 10, 16, 30, tzinfo=UTC))
    assert (item.received_on, item.resolve_by) == (date(2026, 3, 10), date(2026, 3, 17))


def test_deadlines_come_from_the_settings_per_category(session):
    session.add_all(
        [
            Setting(key="complaint_response_hours", value="4"),
            Setting(key="complaint_resolution_days", value="10"),
            Setting(key="complaint_resolution_days_cleaning", value="2"),
        ]
    )
    cleaning = complaint(session, at=sh(3, 10, 9))
    parking = complaint(session, category="parking", at=sh(3, 10, 9))
    assert (cleaning.respond_by, cleaning.resolve_by) == (sh(3, 10, 13), date(2026, 3, 12))
    assert parking.resolve_by == date(2026, 3, 20)


def test_a_broken_setting_is_named(session):
    session.add(Setting(key="complaint_resolution_days_fees", value="abc"))
    with pytest.raises(DomainError) as refused:
        complaint(session, category="fees")
    assert "complaint_resolution_days_fees" in english(refused.value)["key"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"unit_id": None}, "unit", "Choose the unit"),
        ({"owner_id": 2}, "owner", "Not the paying owner of unit 1-1-101 on 2026-03-10"),
        ({"channel": "fax"}, "channel", "Choose one of: Phone, Front desk, App"),
        ({"category": "weather"}, "category", "Choose one of: Security services, Cleaning"),
        ({"description": "  "}, "description", "Say what the complaint is about"),
        ({"at": datetime(1900, 1, 1, 9)}, "received_at", "more than a year back"),
        ({"at": "2026-03-10 09h"}, "received_at", "Use the form"),
        ({"at": NOW + timedelta(days=1)}, "received_at", "in the future"),
        ({"assignee_id": "collector"}, "assignee", "customer-service staff member"),
    ],
)
def test_bad_complaints_are_refused_naming_the_field(session, change, field, message):
    args = {"unit_id": 1, "at": sh(3, 10, 9)} | change
    if args.get("assignee_id") == "collector":
        args["assignee_id"] = user_id(session, "collector")  # works for A, but on no complaint
    with pytest.raises(DomainError) as refused:
        complaint(session, now=NOW, **args)
    assert message in english(refused.value)[field]
    assert count(session, Complaint) == count(session, ComplaintEntry) == 0


def test_a_former_owner_is_not_the_complainant_of_today(session):
    unit = make_unit(session, session.get(Building, 1), "1-1-103")
    old, new = (
        make_owner(session, unit.building.community, "旧业主"),
        make_owner(session, unit.building.community, "新业主"),
    )
    make_ownership(session, unit, old, start=date(2020, 1, 1), end=date(2025, 12, 31))
    make_ownership(session, unit, new, start=date(2026, 1, 1))
    assert complaint(session, unit.id, at=sh(3, 10, 9)).owner == new
    assert complaint(session, unit.id, at=sh(3, 10, 9), owner_id=new.id).owner == new
    with pytest.raises(DomainError):
        complaint(session, unit.id, at=sh(3, 10, 9), owner_id=old.id)


def test_an_assignee_at_intake_is_a_follow_up(session):
    cs = user_id(session, "customerservice")
    item = complaint(session, at=sh(3, 10, 9), assignee_id=cs)
    assert item.assignee.username == "customerservice"
    assert [(e.action, e.assignee_id) for e in item.entries] == [("logged", None), ("assigned", cs)]


# --- The status flow -------------------------------------------------------------------------


def test_the_whole_flow_is_logged_step_by_step(session):
    item = complaint(session, at=sh(3, 10, 9))
    assign(session, item.id, user_id(session, "customerservice"), "给客服小王", "manager")
    steps(session, item, "acknowledge", at=sh(3, 10, 10))
    steps(session, item, "start", at=sh(3, 10, 11))
    add_note(session, item.id, "已约维修工明早上门", "customerservice")
    steps(session, item, "resolve", at=sh(3, 11, 16), note="已清理并加派保洁")
    return_visit(session, item.id, "5", "业主满意", "customerservice", at=sh(3, 12, 10))
    assert (item.status, item.satisfaction, item.closed_at) == ("closed", 5, sh(3, 12, 10))
    assert (item.acknowledged_at, item.resolved_at) == (sh(3, 10, 10), sh(3, 11, 16))
    assert item.overdue_at(NOW) == (False, False)
    assert [
        (e.action, e.by, e.from_status, e.to_status, e.note, e.score) for e in item.entries
    ] == [
        ("logged", "customerservice", None, "new", "", None),
        ("assigned", "manager", "new", "new", "给客服小王", None),
        ("acknowledge", "customerservice", "new", "acknowledged", "已处理", None),
        ("start", "customerservice", "acknowledged", "in_progress", "已处理", None),
        ("note", "customerservice", "in_progress", "in_progress", "已约维修工明早上门", None),
        ("resolve", "customerservice", "in_progress", "resolved", "已清理并加派保洁", None),
        ("return_visit", "customerservice", "resolved", "closed", "业主满意", 5),
    ]


@pytest.mark.parametrize(
    ("done", "step", "message"),
    [
        (
            (),
            "resolve",
            "Not possible while the complaint's status is New; only from: In progress.",
        ),
        ((), "start", "only from: Acknowledged, Reopened."),
        (("acknowledge",), "acknowledge", "only from: New."),
        (("acknowledge", "start"), "reopen", "only from: Resolved (return visit due), Closed."),
    ],
)
def test_illegal_steps_are_refused_with_the_reason(session, done, step, message):
    item = complaint(session, at=sh(3, 10, 9))
    steps(session, item, *done)
    with pytest.raises(DomainError) as refused:
        take_step(session, item.id, step, "x", "customerservice")
    assert english(refused.value)["status"].endswith(message)


def test_a_return_visit_needs_a_resolved_complaint_and_a_score_from_1_to_5(session):
    item = complaint(session, at=sh(3, 10, 9))
    with pytest.raises(DomainError) as refused:
        return_visit(session, item.id, 5)
    assert "only from: Resolved" in english(refused.value)["status"]
    steps(session, item, "acknowledge", "start", "resolve")
    for score in (0, 6, "abc", "4.5", None, " "):
        with pytest.raises(DomainError) as refused:
            return_visit(session, item.id, score)
        assert english(refused.value) == {"score": "A whole number from 1 to 5."}
    assert item.status == "resolved"


def test_resolving_and_reopening_need_a_note(session):
    item = complaint(session, at=sh(3, 10, 9))
    steps(session, item, "acknowledge", "start")
    with pytest.raises(DomainError) as refused:
        take_step(session, item.id, "resolve", " ")
    assert english(refused.value) == {"note": "Say what was done."}


def test_reopening_sets_a_new_resolution_day_and_clears_the_flag(session):
    item = complaint(session, at=sh(3, 2, 9))
    steps(session, item, "acknowledge", "start", at=sh(3, 2, 10))
    steps(session, item, "resolve", at=sh(3, 12, 10))  # after 9 March: late
    assert item.overdue_at(sh(3, 12, 10))[1] and item.overdue_at(NOW)[1]  # late for good
    return_visit(session, item.id, 2, "没修好", at=sh(3, 13, 10))
    steps(session, item, "reopen", at=sh(3, 13, 10, 5), note="业主说漏水依旧")
    assert (item.status, item.resolve_by, item.overdue_at(sh(3, 13, 11))[1]) == (
        "reopened",
        date(2026, 3, 20),
        False,
    )
    assert (item.resolved_at, item.resolved_on, item.closed_at, item.satisfaction) == (
        None,
        None,
        None,
        2,
    )
    assert item.overdue_at(sh(3, 21, 0))[1]  # unresolved once the new day has ended
    steps(session, item, "start", "resolve", at=sh(3, 15, 10))
    assert (item.status, item.resolved_on, item.overdue_at(NOW)[1]) == (
        "resolved",
        date(2026, 3, 15),
        False,
    )


def test_a_late_first_response_is_flagged_when_it_comes(session):
    item = complaint(session, at=sh(3, 10, 9))
    assert item.overdue_at(sh(3, 11, 9)) == (False, False)  # the deadline instant itself
    assert item.overdue_at(sh(3, 11, 9, 1)) == (True, False)  # unanswered a minute later
    steps(session, item, "acknowledge", at=sh(3, 11, 9, 1))
    assert item.overdue_at(sh(3, 11, 9, 2)) == (True, False)
    assert item.overdue_at(sh(3, 17, 23, 59)) == (True, False)  # resolved by the 17th: in time
    assert item.overdue_at(sh(3, 18, 0)) == (True, True)  # not resolved once the 17th ended


def test_a_closed_complaint_takes_no_assignment_nor_mark(session):
    item = complaint(session, at=sh(3, 10, 9))
    steps(session, item, "acknowledge", "start", "resolve")
    return_visit(session, item.id, 4)
    with pytest.raises(DomainError) as refused:
        assign(session, item.id, user_id(session, "customerservice"))
    assert english(refused.value) == {"assignee": "This complaint is closed: reopen it first."}
    with pytest.raises(DomainError):
        mark_nonpayment_reason(session, item.id, True)


# --- The daily deadline check ----------------------------------------------------------------


def test_the_check_flags_at_the_deadline_instant_and_after_the_resolution_day(session):
    item = complaint(session, at=datetime(2026, 3, 10, 15, 30, tzinfo=UTC))  # 23:30 Shanghai
    at_deadline = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)
    assert check_deadlines(session, at_deadline).response == []
    result = check_deadlines(session, at_deadline + timedelta(seconds=1))
    assert (result.response, result.resolution) == ([item.id], [])
    steps(session, item, "acknowledge", "start", at=at_deadline + timedelta(hours=1))
    last_second = datetime(2026, 3, 17, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on 17 March
    assert check_deadlines(session, last_second).resolution == []
    result = check_deadlines(session, datetime(2026, 3, 17, 16, tzinfo=UTC))  # 18 March 00:00
    assert (result.response, result.resolution) == ([], [item.id])
    assert (item.response_overdue_logged, item.resolution_overdue_logged) == (True, True)
    assert [e.action for e in item.entries if e.action.endswith("overdue")] == [
        "response_overdue",
        "resolution_overdue",
    ]


def test_the_check_is_idempotent_and_leaves_answered_complaints_alone(session):
    late = complaint(session, at=sh(3, 1, 9))
    answered = complaint(session, unit_id=2, at=sh(3, 1, 9))
    steps(session, answered, "acknowledge", "start", at=sh(3, 1, 10))
    steps(session, answered, "resolve", at=sh(3, 2, 10))
    first = check_deadlines(session, sh(3, 20, 9))
    entries = count(session, ComplaintEntry)
    assert (first.response, first.resolution) == ([late.id], [late.id])
    second = check_deadlines(session, sh(3, 21, 9))
    assert (second.response, second.resolution) == ([], [])
    assert count(session, ComplaintEntry) == entries
    assert answered.overdue_at(sh(3, 21, 9)) == (False, False)
    assert (answered.response_overdue_logged, answered.resolution_overdue_logged) == (False, False)


# --- Reason for non-payment: the dunning pause -----------------------------------------------


def open_case(session, unit_id=1, **kw) -> DunningCase:
    case = DunningCase(
        community_id=1,
        unit_id=unit_id,
        level=1,
        opened_on=date(2026, 2, 1),
        **{"pause_note": ""} | kw,
    )
    session.add(case)
    session.flush()
    return case


def test_marking_pauses_the_case_and_closing_lifts_it(session):
    case = open_case(session)
    item = complaint(session, at=sh(3, 10, 9))
    mark_nonpayment_reason(session, item.id, True, "业主因此拒交", "customerservice")
    assert (case.pause_kind, case.paused_until, case.pause_note) == (
        "complaint",
        None,
        f"#{item.id} cleaning",
    )
    steps(session, item, "acknowledge", "start", "resolve")
    assert case.pause_kind == "complaint"  # resolved is not closed: the owner may disagree
    return_visit(session, item.id, 4)
    assert (case.pause_kind, case.pause_note) == (None, "")
    steps(session, item, "reopen", note="又坏了")
    assert case.pause_kind == "complaint"  # still marked, open again
    mark_nonpayment_reason(session, item.id, False, "业主已缴费", "customerservice")
    assert case.pause_kind is None
    assert [e.action for e in item.entries][-2:] == ["reopen", "reason_cleared"]


def test_a_mark_made_at_intake_pauses_at_once(session):
    case = open_case(session)
    complaint(session, at=sh(3, 10, 9), nonpayment_reason=True)
    assert case.pause_kind == "complaint"


def test_an_installment_pause_is_never_replaced_nor_lifted(session):
    case = open_case(session, pause_kind="installment", pause_note="#7")
    item = complaint(session, at=sh(3, 10, 9), nonpayment_reason=True)
    assert (case.pause_kind, case.pause_note) == ("installment", "#7")
    mark_nonpayment_reason(session, item.id, False)
    assert (case.pause_kind, case.pause_note) == ("installment", "#7")


def test_the_pause_holds_while_another_marked_complaint_is_open(session):
    case = open_case(session)
    first = complaint(session, at=sh(3, 10, 9), nonpayment_reason=True)
    second = complaint(session, category="facilities", at=sh(3, 11, 9), nonpayment_reason=True)
    mark_nonpayment_reason(session, first.id, False)
    assert (case.pause_kind, case.pause_note) == ("complaint", f"#{second.id} facilities")


def test_marking_twice_or_clearing_an_unmarked_complaint_is_refused(session):
    item = complaint(session, at=sh(3, 10, 9))
    with pytest.raises(DomainError) as refused:
        mark_nonpayment_reason(session, item.id, False)
    assert english(refused.value) == {"nonpayment_reason": "Not marked."}
    mark_nonpayment_reason(session, item.id, True)
    with pytest.raises(DomainError) as refused:
        mark_nonpayment_reason(session, item.id, True)
    assert english(refused.value) == {"nonpayment_reason": "Already marked."}


def test_the_dunning_scan_goes_no_further_than_a_reminder_while_the_complaint_is_open(session):
    run_billing(session, date(2026, 1, 1), 1)  # due 31 January
    scan_dunning(session, date(2026, 2, 1))  # both units: the friendly reminder (level 1)
    item = complaint(session, at=sh(2, 2, 9), nonpayment_reason=True)
    held = scan_dunning(session, date(2026, 4, 15))  # 74 days overdue: level 3 is due
    levels = {c.unit_id: c.level for c in session.scalars(select(DunningCase))}
    assert (held.paused, levels) == (1, {1: 1, 2: 3})
    steps(session, item, "acknowledge", "start", "resolve")
    return_visit(session, item.id, 4)
    scan_dunning(session, date(2026, 4, 16))
    assert session.scalar(select(DunningCase.level).where(DunningCase.unit_id == 1)) == 3


def test_a_case_opened_after_the_mark_starts_held_at_the_friendly_reminder(session):
    run_billing(session, date(2026, 1, 1), 1)  # due 31 January
    complaint(session, at=sh(1, 20, 9), nonpayment_reason=True)  # unit 1, before any case
    result = scan_dunning(session, date(2026, 3, 15))  # 43 days overdue: the letter is due
    cases = {c.unit_id: (c.level, c.pause_kind) for c in session.scalars(select(DunningCase))}
    assert (result.paused, cases) == (1, {1: (1, "complaint"), 2: (2, None)})


def test_renewing_sets_the_pause_on_a_case_opened_after_the_mark(session):
    complaint(session, at=sh(3, 10, 9), nonpayment_reason=True)
    case = open_case(session)  # the dunning scan opened it afterwards
    other = open_case(session, unit_id=2)
    assert case.pause_kind is None
    assert renew_pauses(session) == 1
    assert (case.pause_kind, other.pause_kind) == ("complaint", None)


# --- From a refused collection contact -------------------------------------------------------


@pytest.fixture
def refused_task(session):
    """Customer service's task on 1-1-101, whose owner refused to pay over the lift."""
    from app.models import CollectionTask

    start_campaign(session)
    task = session.scalar(select(CollectionTask).where(CollectionTask.unit_id == 1))
    record_contact(
        session, task.id, "phone", "refused", refusal_reason="电梯长期故障", actor="customerservice"
    )
    return task


def test_a_refusal_opens_a_complaint_marked_as_the_reason(session, refused_task):
    case = open_case(session)
    assert refused_task.complaint_needed
    item = open_from_task(session, refused_task.id, "facilities", actor="customerservice")
    assert (item.unit_id, item.owner.name, item.category, item.description) == (
        1,
        "A业主甲",
        "facilities",
        "电梯长期故障",
    )
    assert (item.nonpayment_reason, case.pause_kind) == (True, "complaint")
    assert (refused_task.complaint, refused_task.complaint_needed) == (item, False)
    with pytest.raises(ConflictError):
        open_from_task(session, refused_task.id, "facilities")
    # Refusing again while the complaint is open asks for no second one.
    record_contact(session, refused_task.id, "phone", "refused", refusal_reason="还是电梯")
    assert not refused_task.complaint_needed


def test_after_the_complaint_closed_a_new_refusal_asks_again(session, refused_task):
    item = open_from_task(session, refused_task.id, "facilities", "电梯三天两头停")
    assert item.description == "电梯三天两头停"
    steps(session, item, "acknowledge", "start", "resolve")
    return_visit(session, item.id, 3)
    record_contact(session, refused_task.id, "phone", "refused", refusal_reason="电梯又坏了")
    assert refused_task.complaint_needed
    again = open_from_task(session, refused_task.id, "facilities")
    assert (refused_task.complaint, again.description) == (again, "电梯又坏了")


def test_only_a_refusal_opens_a_complaint_from_a_task(session, refused_task):
    record_contact(session, refused_task.id, "phone", "undetermined")
    with pytest.raises(DomainError) as refused:
        open_from_task(session, refused_task.id, "facilities")
    assert english(refused.value) == {"task_id": "The last contact of this task was no refusal."}


# --- Unit search -----------------------------------------------------------------------------


def test_units_are_found_by_code_or_owner_name(session):
    day = date(2026, 3, 10)
    by_code = find_units(session, "1-102", day)
    assert [(m.community, m.unit, m.owner, m.phone) for m in by_code] == [
        ("A", "1-1-102", "A业主乙", "13912345679"),
        ("B", "1-1-102", "B业主乙", "13912345679"),
    ]
    assert [(m.community, m.unit) for m in find_units(session, "业主甲", day)] == [
        ("A", "1-1-101"),
        ("B", "1-1-101"),
    ]
    assert find_units(session, "1", day) == []  # too short to be useful
    assert len(find_units(session, "1-1", day, limit=3)) == 3


# --- Key figures -----------------------------------------------------------------------------

ASOF = sh(4, 1, 20)  # 20:00 on 1 April


@pytest.fixture
def march(session):
    """A hand-made March in community A (2 units), and one complaint in B.

    | # | unit | category   | received      | first response    | resolved      | score |
    | 1 | 101  | cleaning   | 03-02 09:00   | 03-02 15:00 ok    | 03-04 09:00   | 5     |
    | 2 | 102  | facilities | 03-05 10:00   | 03-06 12:00 late  | 03-13 22:00 * | 3     |
    | 3 | 101  | cleaning   | 03-20 08:00   | 03-20 09:00 ok    | -             |       |
    | 4 | 102  | parking    | 03-31 23:30   | - (due 04-01 23:30, not yet) | -  |       |
    | 5 | 101  | greening   | 03-10 10:00   | - late            | -             |       |
    | 6 | 101  | security   | 03-15 09:00   | 03-15 10:00 ok    | 03-15 15:00   | 5     |
    Earlier: 102 facilities on 2025-12-05 (90 days before #2: #2 repeats it), 101 greening on
    2025-12-09 (91 days before #5: no repeat); #3 repeats #1. * after its day (03-12).
    Outside: 102 other at 04-01 00:30 (half an hour after March ended in Shanghai); B: 1 fees.
    """
    c1 = complaint(session, 1, "cleaning", sh(3, 2, 9))
    steps(session, c1, "acknowledge", at=sh(3, 2, 15))
    steps(session, c1, "start", "resolve", at=sh(3, 4, 9))
    return_visit(session, c1.id, 5, at=sh(3, 5, 9))
    c2 = complaint(session, 2, "facilities", sh(3, 5, 10))
    steps(session, c2, "acknowledge", at=sh(3, 6, 12))
    steps(session, c2, "start", "resolve", at=sh(3, 13, 22))
    return_visit(session, c2.id, 3, at=sh(3, 14, 9))
    c3 = complaint(session, 1, "cleaning", sh(3, 20, 8))
    steps(session, c3, "acknowledge", "start", at=sh(3, 20, 9))
    complaint(session, 2, "parking", sh(3, 31, 23, 30))
    complaint(session, 1, "greening", sh(3, 10, 10))
    c6 = complaint(session, 1, "security", sh(3, 15, 9))
    steps(session, c6, "acknowledge", at=sh(3, 15, 10))
    steps(session, c6, "start", "resolve", at=sh(3, 15, 15))
    return_visit(session, c6.id, 5, at=sh(3, 16, 9))
    complaint(session, 2, "facilities", sh(12, 5, 9, year=2025))
    complaint(session, 1, "greening", sh(12, 9, 9, year=2025))
    complaint(session, 2, "other", sh(4, 1, 0, 30))
    complaint(session, 3, "fees", sh(3, 12, 9))


def test_the_key_figures_of_march(session, march):
    kpis = complaint_kpis(session, date(2026, 3, 1), date(2026, 3, 31), {1}, now=ASOF)
    assert (kpis.received, kpis.units, kpis.per_100_units) == (6, 2, D("300.00"))
    assert (kpis.responses_due, kpis.responded_in_time, kpis.response_timeliness_rate) == (
        5,
        3,
        D("0.6000"),
    )
    assert (kpis.resolved, kpis.resolution_rate, kpis.resolved_in_time) == (3, D("0.5000"), 2)
    assert kpis.mean_hours_to_resolve == D("86.0")  # (48 + 204 + 6) / 3
    assert kpis.overdue == 2  # #3 (resolve by 03-27) and #5
    assert (kpis.repeats, kpis.repeat_rate) == (2, D("0.3333"))
    assert (kpis.return_visits, kpis.mean_score) == (3, D("4.33"))
    assert (kpis.satisfied, kpis.satisfaction_rate) == (2, D("0.6667"))


def test_the_key_figures_of_every_community_and_of_an_empty_month(session, march):
    kpis = complaint_kpis(session, date(2026, 3, 1), date(2026, 3, 31), None, now=ASOF)
    assert (kpis.received, kpis.units, kpis.per_100_units) == (7, 4, D("175.00"))
    empty = complaint_kpis(session, date(2026, 5, 1), date(2026, 5, 31), {1}, now=ASOF)
    assert empty.received == 0 and empty.per_100_units == D("0.00")
    assert (
        empty.response_timeliness_rate,
        empty.resolution_rate,
        empty.repeat_rate,
        empty.mean_hours_to_resolve,
        empty.mean_score,
        empty.satisfaction_rate,
    ) == (None, None, None, None, None, None)


def test_a_response_still_awaited_counts_once_its_deadline_passed(session, march):
    later = complaint_kpis(session, date(2026, 3, 1), date(2026, 3, 31), {1}, now=sh(4, 1, 23, 31))
    assert (later.responses_due, later.responded_in_time) == (6, 3)
    assert later.overdue == 3


def test_complaints_by_category(session, march):
    assert complaints_by_category(session, date(2026, 3, 1), date(2026, 3, 31), {1}) == [
        ("security", 1),
        ("cleaning", 2),
        ("greening", 1),
        ("facilities", 1),
        ("parking", 1),
        ("neighbours", 0),
        ("fees", 0),
        ("staff_conduct", 0),
        ("other", 0),
    ]
    every = dict(complaints_by_category(session, date(2026, 3, 1), date(2026, 4, 1)))
    assert (every["fees"], every["other"]) == (1, 1)
