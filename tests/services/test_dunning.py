"""The dunning scan day by day, with exact dates: levels, holds, consolidation, legal proposals.

Community A's January bills fall due on 31 January 2026: unit 1 (1-1-101, 203.75) and unit 2
(1-1-102, 206.25). Owner 1 (A业主甲) also owns unit 5 (1-1-103), whose bill is moved to fall
due on 2 February, so that the owner's minimum gap between reminders matters.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    Bill,
    Building,
    DunningAction,
    DunningCase,
    DunningLevel,
    OutboxMessage,
    Owner,
    Setting,
)
from app.services.billing import run_billing
from app.services.delivery import mark_posted
from app.services.dunning import scan_dunning
from app.services.dunning_legal import approve_legal, reject_legal
from app.services.dunning_levels import validate_level
from app.services.dunning_messages import record_letter
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.payments import record_payment
from tests.factories import make_ownership, make_unit

LETTER_FILE = "dunning/letters/test.pdf"


def day(month: int, d: int) -> date:
    return date(2026, month, d)


@pytest.fixture
def billed(session):
    building = session.get(Building, 1)
    unit5 = make_unit(session, building, "1-1-103", area="80.00")
    make_ownership(session, unit5, session.get(Owner, 1))
    run_billing(session, day(1, 1), 1)
    session.scalar(select(Bill).where(Bill.unit_id == unit5.id)).due_date = day(2, 2)
    session.flush()
    return unit5.id


def scan_days(session, first: date, last: date, payments=()) -> list[tuple]:
    """Scan every day from ``first`` to ``last``; the actions created, as (day, unit, level).
    ``payments`` (day, unit id, amount) are recorded that day before the scan; letters are
    recorded as the job would, and posted the next day."""
    created, to_post = [], []
    on = first
    while on <= last:
        for paid_on, unit_id, amount in payments:
            if paid_on == on:
                paid_at = datetime(on.year, on.month, on.day, 3, tzinfo=UTC)
                record_payment(session, unit_id, amount, "cash", paid_at=paid_at)
        for message_id in to_post:
            mark_posted(session, message_id, datetime(on.year, on.month, on.day, 2, tzinfo=UTC))
        to_post = []
        result = scan_dunning(session, on)
        for owner_id in result.letters:
            to_post.append(record_letter(session, owner_id, on, LETTER_FILE).id)
        created += [
            (a.scheduled_on, a.unit.code, a.level)
            for a in session.scalars(
                select(DunningAction)
                .where(DunningAction.scheduled_on == on)
                .order_by(DunningAction.unit_id, DunningAction.level)
            )
        ]
        on += timedelta(days=1)
    return created


def test_levels_are_reached_on_the_right_days(session, billed):
    # unit 2 pays its bill and the late fee of 10 days (¥1.03) on 10 February
    assert scan_days(session, day(1, 20), day(8, 5), [(day(2, 10), 2, "207.28")]) == [
        (day(1, 24), "1-1-101", 0),  # 7 days before the due date
        (day(1, 24), "1-1-102", 0),
        (day(1, 29), "1-1-103", 0),  # due 2 Feb, but owner 1 was written to on 24 Jan
        (day(2, 1), "1-1-102", 1),  # the day after the due date
        (day(2, 3), "1-1-101", 1),  # owner 1: 5 days after 29 Jan, with unit 5 in one message
        (day(2, 3), "1-1-103", 1),
        (day(3, 2), "1-1-101", 2),  # 30 days overdue: the formal letter
        (day(3, 7), "1-1-103", 2),  # 30 days on 4 Mar; the owner's letter of 2 Mar held it
        (day(4, 1), "1-1-101", 3),  # 60 days: key follow-up (writes nothing, so never held)
        (day(4, 3), "1-1-103", 3),
        (day(7, 30), "1-1-101", 4),  # 180 days, the letter delivered and its deadline passed
        (day(8, 1), "1-1-103", 4),
    ]
    unit2 = session.scalar(select(DunningCase).where(DunningCase.unit_id == 2))
    assert (unit2.level, unit2.opened_on, unit2.closed_on) == (1, day(1, 24), day(2, 10))
    proposals = session.scalars(
        select(DunningAction).where(DunningAction.kind == "legal_proposal")
    ).all()
    assert [p.status for p in proposals] == ["proposed", "proposed"]


def test_one_consolidated_message_per_owner_and_scan(session, billed):
    scan_days(session, day(1, 20), day(2, 3))
    messages = session.scalars(
        select(OutboxMessage).where(OutboxMessage.owner_id == 1).order_by(OutboxMessage.id)
    ).all()
    assert [(m.kind, m.created_at is not None) for m in messages] == [("reminder", True)] * 3
    last = messages[-1]
    assert "1-1-101" in last.body and "1-1-103" in last.body  # both units, one message
    assert "203.75" in last.body and "200.00" in last.body and "403.75" in last.body
    linked = session.scalars(
        select(DunningAction.outbox_message_id).where(DunningAction.scheduled_on == day(2, 3))
    ).all()
    assert linked == [last.id, last.id]


def test_a_second_scan_the_same_day_creates_nothing(session, billed):
    first = scan_dunning(session, day(2, 1))
    counts = (
        session.scalar(select(func.count()).select_from(DunningAction)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
        session.scalar(select(func.count()).select_from(DunningCase)),
    )
    again = scan_dunning(session, day(2, 1))
    assert (first.actions_created, again.actions_created) == (3, 0)
    assert again.messages == [] and again.letters == []
    assert counts == (
        session.scalar(select(func.count()).select_from(DunningAction)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
        session.scalar(select(func.count()).select_from(DunningCase)),
    )


def test_no_action_under_the_minimum_amount(session, billed):
    record_payment(session, 2, "205.75", "cash", paid_at=datetime(2026, 1, 20, 3, tzinfo=UTC))
    result = scan_dunning(session, day(2, 15))
    assert {a.unit_id for a in session.scalars(select(DunningAction))} == {1, billed}
    assert result.actions_created == 2
    session.add(Setting(key="min_amount", value="0.50"))
    scan_dunning(session, day(2, 16))
    assert session.scalar(select(DunningCase.level).where(DunningCase.unit_id == 2)) == 1


def test_a_level_minimum_amount_holds_that_level(session, billed):
    session.scalar(select(DunningLevel).where(DunningLevel.level == 2)).min_amount = 500
    scan_dunning(session, day(3, 5))
    assert session.scalars(select(DunningAction.level).order_by(DunningAction.id)).all() == [1] * 3


def _case(session, unit_id) -> DunningCase:
    return session.scalar(
        select(DunningCase).where(DunningCase.unit_id == unit_id, DunningCase.closed_on.is_(None))
    )


def test_a_promise_pauses_until_the_day_after_the_promised_date(session, billed):
    scan_dunning(session, day(2, 1))
    case = _case(session, 2)
    case.pause_kind, case.paused_until, case.pause_note = "promise", day(3, 5), "电话承诺 3月5日"
    held = scan_dunning(session, day(3, 5))
    assert (case.level, held.paused) == (1, 1)
    scan_dunning(session, day(3, 6))
    assert case.level == 2


def test_an_installment_pauses_every_level(session, billed):
    scan_dunning(session, day(2, 1))
    case = _case(session, 2)
    case.pause_kind = "installment"
    scan_dunning(session, day(6, 1))
    assert case.level == 1
    case.pause_kind = None  # the agreement defaulted: dunning resumes
    scan_dunning(session, day(6, 2))
    assert [a.level for a in case.actions] == [1, 2, 3]


def test_a_complaint_given_as_the_reason_stops_escalation_beyond_level_1(session, billed):
    scan_dunning(session, day(1, 25))
    case = _case(session, 2)
    assert case.level == 0
    case.pause_kind = "complaint"
    scan_dunning(session, day(3, 20))
    assert [a.level for a in case.actions] == [0, 1]


def test_legal_action_only_after_a_delivered_letter_whose_deadline_passed(session, billed):
    scan_dunning(session, day(3, 2))  # first scan: straight to the letter
    letter = record_letter(session, 1, day(3, 2), LETTER_FILE)
    assert letter.kind == "letter" and letter.status == "to_print"  # no consent: a paper letter
    late = scan_dunning(session, day(8, 1))
    assert late.awaiting_demand == 3  # units 1, 2 and 5: no letter delivered
    assert _case(session, 1).level == 3
    mark_posted(session, letter.id, datetime(2026, 8, 1, 2, tzinfo=UTC))
    scan_dunning(session, day(8, 16))  # deadline printed 17 Mar, but delivered 1 Aug
    assert _case(session, 1).level == 3
    scan_dunning(session, day(8, 17))
    proposal = _case(session, 1).actions[-1]
    assert (proposal.level, proposal.kind, proposal.status) == (4, "legal_proposal", "proposed")


@pytest.fixture
def proposal(session, billed) -> DunningAction:
    scan_dunning(session, day(3, 2))
    letter = record_letter(session, 1, day(3, 2), LETTER_FILE)
    mark_posted(session, letter.id, datetime(2026, 3, 3, 2, tzinfo=UTC))
    scan_dunning(session, day(7, 30))
    return _case(session, 1).actions[-1]


def test_a_manager_approves_a_proposal_once(session, proposal):
    with pytest.raises(DomainError):  # not by the proposer
        approve_legal(session, proposal.id, proposal.created_by)
    approve_legal(session, proposal.id, "manager", "证据齐全")
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (
        "approved",
        "manager",
        "证据齐全",
    )
    with pytest.raises(DomainError):  # already decided
        reject_legal(session, proposal.id, "manager", "再议")


def test_a_rejection_needs_a_reason(session, proposal):
    with pytest.raises(DomainError) as refused:
        reject_legal(session, proposal.id, "manager", " ")
    assert list(refused.value.messages) == ["decision_note"]
    reject_legal(session, proposal.id, "manager", "先协商分期")
    assert proposal.status == "rejected"
    scan_dunning(session, day(8, 30))  # no second proposal for the case
    assert [a.level for a in _case(session, 1).actions] == [2, 3, 4]


def test_only_proposals_can_be_decided(session, proposal):
    with pytest.raises(NotFoundError):
        approve_legal(session, proposal.case.actions[0].id, "manager")


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "停水停电"), ("template", "cut off water"), ("channel", "断电")],
)
def test_a_cut_off_level_is_refused_citing_article_944(session, field, value):
    level = session.scalar(select(DunningLevel).where(DunningLevel.level == 3))
    setattr(level, field, value)
    with pytest.raises(DomainError) as refused:
        validate_level(session, level)
    assert list(refused.value.messages) == [field]
    assert "944" in refused.value.as_text()
    session.rollback()


def test_level_checks(session):
    level = DunningLevel(
        level=2,
        name="正式催缴函",
        days=30,
        min_amount=0,
        channel="letter",
        template="formal_letter",
    )
    with pytest.raises(ConflictError):
        validate_level(session, level)
    bad = DunningLevel(level=0, name="", days=3, min_amount=-1, channel="fax", template="x")
    with pytest.raises(DomainError) as refused:
        validate_level(session, bad)
    assert set(refused.value.messages) == {
        "level",
        "name",
        "days",
        "min_amount",
        "channel",
        "template",
    }


@pytest.mark.parametrize(
    ("gap", "first"), [("0", day(1, 26)), ("5", day(1, 29)), ("10", day(2, 3))]
)
def test_an_owner_written_to_gets_nothing_new_for_min_gap_days(session, billed, gap, first):
    """Owner 1 gets unit 1-1-101's pre-due reminder on 24 January; unit 1-1-103's (due 2 Feb,
    pre-due from 26 Jan) waits until the gap since that message has passed."""
    if gap != "5":
        session.add(Setting(key="min_gap_days", value=gap))
        session.flush()
    created = scan_days(session, day(1, 20), day(2, 5))
    assert min(on for on, unit, _level in created if unit == "1-1-103") == first
    written = sorted({on for on, unit, _level in created if unit in ("1-1-101", "1-1-103")})
    gaps = [(b - a).days for a, b in zip(written, written[1:], strict=False)]
    assert all(g >= int(gap) for g in gaps), (written, gaps)
