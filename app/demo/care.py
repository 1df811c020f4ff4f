"""The demo's care of owners (app/demo/__init__.py): complaints, a satisfaction survey and
supervision, through the services customer service, owners and the manager use.

For each community:

- complaints of the last three months in every state (``COMPLAINTS``), across categories and
  channels: closed by their return visit, one reopened after a poor score, resolved and waiting
  for the return visit, in progress (one past its resolution day, one given by an owner in
  arrears as the reason for not paying), acknowledged, new, and one never answered (its
  first-response deadline missed); then the daily deadline check of ``today``;
- the half year's satisfaction survey, open for 30 days up to ``today``, answered by about a
  third of the owners (online through their link, or on paper typed in by customer service),
  its low scores followed up (half of them done), and closed;
- the company-wide plan of the year's supervision and four checks (``CHECKS``) whose findings
  were accepted, reported, rejected or are still open or overdue on ``today``.

Dates are relative to ``today``; the services stamp the clock's instant on what they record
(a survey's answers, a rectification reported or accepted). The survey is opened through the
service, which refuses a survey whose closing day (``today``) is past by the clock: ``today``
must not lie before the clock's business date (a test: the ``clock`` fixture).

Idempotent: a community with a check by the demo's ``INSPECTOR`` has its care.
"""

import random
from datetime import date, timedelta

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.counting import counter
from app.domain.complaints import UNRESOLVED
from app.domain.surveys import Dimension
from app.models import (
    Building,
    CheckPlan,
    Community,
    Complaint,
    Rectification,
    SupervisionCheck,
    Survey,
    SurveyFollowUp,
    SurveyResponse,
    Unit,
)
from app.models.supervision import RectificationStatus
from app.models.surveys import SurveyStatus
from app.services.arrears import find_overdue_accounts
from app.services.complaint_followups import check_deadlines, return_visit, take_step
from app.services.complaints import log_complaint
from app.services.supervision import (
    accept_rectification,
    mark_overdue,
    mark_rectified,
    record_check,
    reject_rectification,
    validate_plan,
)
from app.services.survey_responses import complete_follow_up, record_response, submit_online
from app.services.surveys import close_survey, create_survey, open_survey, survey_links

from .collection import instant

INSPECTOR = "品质管理部 周建国"
# Complaints: (days before today received, category, channel, what, how far it went; the
# return-visit score of a closed one; reason for not paying).
COMPLAINTS = [
    (80, "cleaning", "phone", "3号楼电梯厅地面污渍多日无人清理", "closed", 5, False),
    (66, "greening", "app", "南门绿化带杂草丛生，夏天蚊虫很多", "closed", 4, False),
    (12, "facilities", "phone", "地下车库B区照明坏了一半，晚上停车看不清", "reopened", 2, False),
    (41, "parking", "front_desk", "外来车辆长期占用业主固定车位", "closed", 3, False),
    (30, "security", "wechat", "夜间巡逻不到位，单元门经常敞开", "closed", 5, False),
    (20, "facilities", "visit", "电梯一个月内停运三次，修好之前不交物业费", "in_progress", 0, True),
    (14, "facilities", "letter", "顶楼屋面防水破损，下雨天室内渗水", "in_progress", 0, False),
    (9, "neighbours", "phone", "楼上装修噪音超出规定时间", "resolved", 0, False),
    (6, "fees", "front_desk", "对本月物业费账单的计费面积有疑问", "resolved", 0, False),
    (5, "facilities", "app", "5号楼2单元二次供水水泵异响", "in_progress", 0, False),
    (3, "other", "email", "希望在小区增设智能快递柜", "new", 0, False),
    (2, "cleaning", "wechat", "垃圾分类投放点异味严重", "acknowledged", 0, False),
    (1, "staff_conduct", "phone", "门岗保安对来访亲友态度生硬", "new", 0, False),
]
STEPS = ["acknowledged", "in_progress", "resolved", "closed", "reopened"]
# The survey's mean score by dimension, as this company's owners see it.
MEANS = {
    Dimension.OVERALL: 3.9,
    Dimension.SECURITY: 3.8,
    Dimension.CLEANING: 4.1,
    Dimension.GREENING: 4.2,
    Dimension.FACILITIES: 3.3,
    Dimension.CUSTOMER_SERVICE: 4.0,
    Dimension.FEE_TRANSPARENCY: 3.5,
}
COMMENTS = ["电梯维修要及时", "保洁阿姨很负责", "希望公示物业费收支明细", "停车管理有待加强"]
# Checks: days before today -> (kind, summary).
CHECKS = {
    75: ("routine", "月度例行检查：公共区域保洁与消防通道"),
    40: ("routine", "月度例行检查：设施设备与台账"),
    12: ("special", "消防专项检查"),
    3: ("surprise", "夜间突击检查：门岗与巡逻"),
}
# Findings: (its check, severity, what, responsible, days from the check to the deadline, what
# became of it).
FINDINGS = [
    (75, "general", "2号楼消防通道堆放杂物", "service", 7, "accepted"),
    (75, "serious", "地下车库两处灭火器过期未换", "finance", 10, "accepted"),
    (40, "general", "水泵房巡检记录缺两周", "service", 10, "accepted"),
    (40, "serious", "3号楼电梯年检标识过期未更新", "finance", 14, "reported"),
    (40, "general", "收费处未公示收费标准", "collector", 7, "rejected"),
    (12, "critical", "1号楼消防栓水压不足", "service", 20, "open"),
    (12, "general", "应急照明三处不亮", "collector", 15, "reported"),
    (3, "serious", "北门夜班门岗脱岗二十分钟", "service", 7, "open"),
    (3, "general", "巡逻签到表有补签痕迹", "collector", 14, "open"),
]


def seed(session: Session, communities: list[Community], today: date) -> None:
    users = dict(session.execute(select(User.username, User.id)).all())
    cared = set(
        session.scalars(
            select(SupervisionCheck.community_id).where(SupervisionCheck.inspector == INSPECTOR)
        )
    )
    new = [(n, c) for n, c in enumerate(communities) if c.id not in cared]
    if new:
        plan = _plan(session, today)
        for n, community in new:
            rng = random.Random(3000 + n)
            _complaints(session, community, today, rng, users)
            _survey(session, community, today, rng)
            _checks(session, community, today, users, plan)
        check_deadlines(session, instant(today, 9))  # the daily jobs of today
        mark_overdue(session, today)


def _complaints(session, community: Community, today: date, rng, users) -> None:
    units = session.scalars(
        select(Unit.id)
        .join(Building)
        .where(Building.community_id == community.id)
        .order_by(Unit.id)
    ).all()
    owing = sorted(a.unit_id for a in find_overdue_accounts(session, today, {community.id}))
    for ago, category, channel, what, state, score, reason in COMPLAINTS:
        received = instant(today - timedelta(days=ago), rng.randint(8, 20), rng.randint(0, 59))
        complaint = log_complaint(
            session,
            rng.choice(owing if reason and owing else units),
            channel,
            category,
            what,
            received_at=received,
            assignee_id=users["service"] if state != "new" else None,
            nonpayment_reason=reason and bool(owing),
            actor="service",
            now=received + timedelta(minutes=rng.randint(2, 15)),
        )
        reached = STEPS.index(state) + 1 if state in STEPS else 0
        at = received + timedelta(hours=rng.randint(1, 6))
        for step in ("acknowledge", "start", "resolve")[:reached]:
            note = "已派维修/保洁人员处理，业主确认问题已解决" if step == "resolve" else ""
            take_step(session, complaint.id, step, note, actor="service", at=at)
            at += timedelta(days=rng.randint(1, 3) if step == "start" else 0, hours=3)
        if reached >= 4:
            at += timedelta(days=2)
            return_visit(session, complaint.id, score, "电话回访", actor="service", at=at)
        if state == "reopened":
            why = "回访时业主反映仍有三盏灯不亮，重新派单"
            take_step(session, complaint.id, "reopen", why, actor="service", at=at)


def _survey(session, community: Community, today: date, rng) -> None:
    half = "上半年" if today.month <= 6 else "下半年"
    survey = create_survey(
        session,
        community.id,
        f"{today.year}年{half}业主满意度调查",
        f"{today.year} {half}",
        today - timedelta(days=30),
        today,
        actor="manager",
    )
    open_survey(session, survey.id, actor="manager")
    for link in survey_links(session, survey.id):
        if rng.random() >= 0.35:
            continue
        answers = {
            dimension.value: min(5, max(1, round(rng.gauss(mean, 0.9))))
            for dimension, mean in MEANS.items()
            if rng.random() > 0.05  # now and then a question left unanswered
        } or {Dimension.OVERALL.value: 4}
        comment = rng.choice(COMMENTS) if rng.random() < 0.2 else ""
        if rng.random() < 0.65:
            token = link.url.rsplit("/", 1)[-1]
            submit_online(session, token, link.unit_id, answers, comment)
        else:
            record_response(session, survey.id, link.unit_id, answers, comment, actor="service")
    follow_ups = session.scalars(
        select(SurveyFollowUp.id)
        .join(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyFollowUp.id)
    ).all()
    for follow_up_id in follow_ups[::2]:
        note = "已电话联系业主，说明整改安排并致歉"
        complete_follow_up(session, follow_up_id, note, actor="service")
    close_survey(session, survey.id)


def _plan(session: Session, today: date) -> CheckPlan:
    """The company-wide plan of ``today``'s year."""
    start = today.replace(month=1, day=1)
    title = f"{today.year}年度品质巡检计划"
    plan = session.scalar(
        select(CheckPlan).where(CheckPlan.title == title, CheckPlan.starts_on == start)
    )
    if plan is None:
        plan = CheckPlan(
            title=title,
            cycle="annual",
            starts_on=start,
            planned_checks=24,
            focus="每月例行检查：保洁、绿化、安保、设施设备、消防；每季度至少一次突击检查",
        )
        validate_plan(session, plan, actor="manager")
        session.add(plan)
        session.flush()
    return plan


def _checks(session, community: Community, today: date, users, plan: CheckPlan) -> None:
    for ago, (kind, summary) in CHECKS.items():
        day = today - timedelta(days=ago)
        findings = [f for f in FINDINGS if f[0] == ago]
        check = record_check(
            session,
            community.id,
            kind,
            day,
            INSPECTOR,
            summary,
            plan_id=plan.id if plan.starts_on <= day <= plan.ends_on else None,
            findings=[
                {
                    "severity": severity,
                    "description": what,
                    "responsible": users[who],
                    "deadline": day + timedelta(days=days),
                }
                for _, severity, what, who, days, _ in findings
            ],
            actor="manager",
        )
        for finding, (*_, who, _days, became) in zip(check.findings, findings, strict=True):
            item = finding.rectification
            if became == "open":
                continue
            mark_rectified(session, item.id, "已整改，附整改前后照片", actor=who)
            if became == "accepted":
                accept_rectification(session, item.id, "manager", "复查合格")
            elif became == "rejected":
                reject_rectification(session, item.id, "manager", "复查仍未整改到位，请重新处理")


def counts(session: Session, communities: list[Community], today: date) -> dict[str, int]:
    count = counter(session, [c.id for c in communities])
    return {
        "complaints": count(Complaint),
        "complaints open": count(Complaint, Complaint.status.in_(UNRESOLVED)),
        "surveys closed": count(Survey, Survey.status == SurveyStatus.CLOSED),
        "survey responses": count(SurveyResponse),
        "supervision checks": count(SupervisionCheck),
        "rectifications open": count(
            Rectification, Rectification.status != RectificationStatus.ACCEPTED
        ),
    }
