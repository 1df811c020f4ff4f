"""A world with a row on every screen, for the browser walk (tests/e2e/test_walk.py).

``fill_world`` adds, to the template world of tests/conftest.py, what a few months of work leave
behind: bills, payments (one reversed), waivers, dunning up to a legal-action proposal, a
collection campaign with a promise to pay, an active installment agreement, complaints (one
overdue), a survey with a low score and its follow-up, a check plan and a supervision check with
its rectifications, a supervision report, a notice batch, a statement import with an unmatched
entry, a bank mapping and a setting. Everything goes through the services (and the jobs, run
in embedded mode) as staff would; the dates are counted back from the business date, never
fixed.
"""

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

import jobs
from app.audit import acting_as
from app.clock import business_date, business_zone
from app.models import BankMappingRecord, Bill, CheckPlan, Community, Setting
from app.services.billing import run_billing
from app.services.collection import create_campaign
from app.services.collection_tasks import record_contact
from app.services.complaint_followups import take_step
from app.services.complaints import log_complaint
from app.services.delivery import mark_posted
from app.services.dunning import scan_dunning
from app.services.dunning_messages import record_letter
from app.services.installments import approve_installment, attach_scan, draft_installment
from app.services.notices import start_notice_batch
from app.services.payments import record_payment, reverse_payment
from app.services.settings import setting_problem
from app.services.statement_mappings import validate_bank_mapping
from app.services.statements import import_statement
from app.services.supervision import mark_rectified, validate_plan
from app.services.survey_responses import record_response
from app.services.waivers import approve_waiver, request_waiver
from jobs.notices import run_notice_batch
from jobs.supervision import render_supervision_report, report_key
from tests.collection import staff_ids, user_id
from tests.installments import SCAN
from tests.services.test_statement_import import MYBANK, csv
from tests.services.test_supervision import rectification_of
from tests.services.test_surveys import new_survey
from tests.supervision import finding, make_check

LETTER_FILE = "dunning/letters/walk.pdf"  # recorded, never rendered: no screen opens it


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock of ``day`` in the business zone, as an aware instant."""
    return datetime.combine(day, time(hour), business_zone()).astimezone(UTC)


def _bill(session, unit_id: int, period: date) -> Bill:
    return session.scalar(select(Bill).where(Bill.unit_id == unit_id, Bill.period_start == period))


def fill_world(session) -> None:
    """Fill the template world (committed)."""
    today = business_date()
    this_month = today.replace(day=1)
    # Eight months back: its bills are over 180 days overdue today (the legal-action level).
    old, last_but_one, last = (this_month - relativedelta(months=n) for n in (8, 2, 1))
    with acting_as("finance"):
        for period in (old, last_but_one, last):
            for community_id in (1, 2):  # a run per community: staff see their community's
                run_billing(session, period, community_id, actor="finance", today=today)
        session.commit()

    # Dunning: the formal letter 30 days after the old bills fell due, posted the next day;
    # today's scan adds the key follow-up and proposes legal action.
    letter_day = _bill(session, 1, old).due_date + timedelta(days=30)
    with acting_as("dunning-scan"):
        result = scan_dunning(session, letter_day)
        for owner_id in result.letters:
            letter = record_letter(session, owner_id, letter_day, LETTER_FILE)
            mark_posted(session, letter.id, _at(letter_day + timedelta(days=1), 10))
        scan_dunning(session, today)
        session.commit()

    # Payments: one that stands (unit 2), one reversed (unit 1); waivers: approved, pending.
    with acting_as("finance"):
        record_payment(session, 2, "100.00", "cash", actor="finance", today=today)
        bounced = record_payment(
            session, 1, "50.00", "bank_transfer", "BT-WALK", actor="finance", today=today
        ).payment
        reverse_payment(session, bounced.id, "退票", actor="finance")
        approved = request_waiver(
            session, _bill(session, 2, last).id, "principal", "20.00", "hardship", actor="finance"
        )
        approve_waiver(session, approved.id, actor="manager", note="同意")
        request_waiver(
            session, _bill(session, 1, last).id, "principal", "10.00", "hardship", actor="finance"
        )
        session.commit()

    # A collection campaign over community A; the collector's task gets a promise to pay.
    with acting_as("manager"):
        campaign = create_campaign(session, 1, "清欠行动", staff_ids(session), actor="manager")
        session.commit()
    collector = user_id(session, "collector")
    task = next(t for t in campaign.tasks if t.assignee_id == collector)
    with acting_as("collector"):
        record_contact(
            session,
            task.id,
            "phone",
            "promised",
            promised_date=today + timedelta(days=7),
            promised_amount="100.00",
            note="月底前付清",
            actor="collector",
        )
        session.commit()

    # An installment agreement of unit 1, drafted, signed and approved.
    with acting_as("customerservice"):
        agreement = draft_installment(
            session,
            1,
            agreed_on=today,
            down_payment="100",
            count=3,
            first_due=today + timedelta(days=30),
            actor="customerservice",
        )
        attach_scan(session, agreement.id, SCAN)
        session.commit()
    with acting_as("manager"):
        approve_installment(session, agreement.id, actor="manager", note="同意分期")
        session.commit()

    # Complaints: one acknowledged today, one received ten days ago and left alone (overdue).
    with acting_as("customerservice"):
        fresh = log_complaint(
            session, 1, "phone", "cleaning", "楼道垃圾三天没人清", actor="customerservice"
        )
        take_step(session, fresh.id, "acknowledge", "已联系保洁", "customerservice")
        log_complaint(
            session,
            2,
            "visit",
            "facilities",
            "电梯异响",
            received_at=_at(today - timedelta(days=10), 9),
            actor="customerservice",
        )
        session.commit()

    # An open survey of community A; unit 1 answers with a low score (a follow-up).
    with acting_as("customerservice"):
        survey = new_survey(session)
        record_response(
            session, survey.id, 1, {"overall": 2, "cleaning": 1}, "楼道脏", "customerservice"
        )
        session.commit()

    # Supervision: this year's plan, a check ten days ago with two findings, one rectified.
    with acting_as("admin"):
        plan = CheckPlan(
            title=f"{today.year} 年度检查计划",
            cycle="annual",
            starts_on=date(today.year, 1, 1),
            planned_checks=12,
            community=session.get(Community, 1),
        )
        validate_plan(session, plan, actor="admin")
        session.add(plan)
        session.commit()
    with acting_as("manager"):
        check_id = make_check(
            session,
            finding(session),
            finding(session, "customerservice", 3, "general", "绿化带缺苗"),
        )
    with acting_as("collector"):
        mark_rectified(session, rectification_of(session, check_id).id, "已清理", "collector")
        session.commit()

    # A setting changed from its default (the list shows only those).
    with acting_as("admin"):
        assert setting_problem("warn_days", "10") is None
        session.add(Setting(key="warn_days", value="10"))
        session.commit()

    # Statements: a bank mapping, and an import with one row matched and one waiting.
    with acting_as("admin"):
        mapping = BankMappingRecord(name="cmb", columns=MYBANK, date_format="%Y/%m/%d")
        validate_bank_mapping(session, mapping)
        session.add(mapping)
        session.commit()
    paid = (today - timedelta(days=1)).isoformat()
    with acting_as("finance"):
        import_statement(
            session,
            csv(
                f"{paid} 09:00,100.00,WALK1,bank_transfer,张伟,6222000011112222,1-1-102物业费",
                f"{paid} 10:00,88.00,WALK2,bank_transfer,李娜,6222000033334444,转账",
            ),
            "walk.csv",
            actor="finance",
            community_id=1,
        )
        session.commit()

    # Documents, rendered by the jobs: last month's notices of community A, last month's
    # supervision report of community A.
    with acting_as("finance"):
        batch, _started = start_notice_batch(session, 1, last, "finance", chunk_size=2)
        session.commit()
    run_notice_batch(batch.id)
    jobs.enqueue(
        render_supervision_report,
        f"{last:%Y-%m}",
        1,
        key=report_key(f"{last:%Y-%m}", 1),
        queue="documents",
        description="supervision report (walk)",
    )
    assert jobs.wait(120), "the world's jobs did not finish"
    session.expire_all()
