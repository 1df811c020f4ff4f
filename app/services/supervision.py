"""Supervision (监督检查, docs/domain.md §11): plans, checks with findings, rectifications.

A check is recorded for one community (by its screen's form or ``record_check``); each finding
added to it gets its rectification: a responsible staff member of the community and a deadline
not before the check. The responsible person (or customer service, or a manager) reports it
rectified; a manager other than whoever is responsible for it or reported it accepts the work,
or rejects it back to open with a note. ``status`` is kept current on every change and by the
daily marking (``mark_overdue``); the ledger (``app.services.supervision_ledger``) computes it
for any day.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain import supervision as rules
from app.models import (
    CheckPlan,
    Community,
    Finding,
    Rectification,
    StaffAssignment,
    SupervisionCheck,
)
from app.models.supervision import CheckKind, PlanCycle, RectificationStatus, Severity
from app.security.scoping import in_scope, rectification_in_scope, visible_community_ids
from app.services.errors import DomainError, Problems
from app.services.masterdata import REQUIRED, UNKNOWN_COMMUNITY, apply_defaults
from app.services.rows import find_row, row_id, visible_or_none


def _community_ok(problems: Problems, community: Community | None) -> bool:
    if community is None:
        problems.add("community", REQUIRED)
        return False
    return problems.check(in_scope(community), "community", UNKNOWN_COMMUNITY)


# --- plans -----------------------------------------------------------------------------------


def validate_plan(session: Session, plan: CheckPlan, actor: str = "system") -> None:
    """Check a new or changed plan and set its end from its cycle; raises ``DomainError``."""
    apply_defaults(plan)
    problems = Problems()
    problems.text("title", plan.title, 100)
    cycle_ok = problems.one_of("cycle", plan.cycle, PlanCycle)
    if plan.community is not None:
        _community_ok(problems, plan.community)
    else:  # a company-wide plan concerns every community
        problems.check(
            visible_community_ids() is None,
            "community",
            _l("Only who oversees every community plans company-wide."),
        )
    problems.check(
        isinstance(plan.planned_checks, int) and plan.planned_checks >= 1,
        "planned_checks",
        _l("Plan at least one check."),
    )
    if plan.starts_on is None:
        problems.add("starts_on", REQUIRED)
    elif cycle_ok and problems.check(
        rules.starts_cycle(plan.cycle, plan.starts_on),
        "starts_on",
        _l("A plan starts on the first day of its year, quarter or month."),
    ):
        plan.ends_on = rules.plan_end(plan.cycle, plan.starts_on)
    problems.raise_if_any()
    if plan.id is None:
        plan.created_by, plan.created_at = actor, datetime.now(UTC)


# --- checks and findings ---------------------------------------------------------------------


def validate_check(session: Session, check: SupervisionCheck, actor: str = "system") -> None:
    """Check a new or changed check; raises ``DomainError`` naming every bad field."""
    apply_defaults(check)
    problems = Problems()
    community_ok = _community_ok(problems, check.community)
    problems.one_of("kind", check.kind, CheckKind)
    problems.text("inspector", check.inspector, 100)
    day = check.checked_on
    if day is None:
        problems.add("checked_on", REQUIRED)
    else:
        problems.check(
            day <= business_date(), "checked_on", _l("A check cannot lie in the future.")
        )
    plan = check.plan
    if plan is not None and community_ok:
        problems.check(
            plan.community_id in (None, check.community.id),
            "plan",
            _l("This plan is another community's."),
        )
        problems.check(
            day is None or plan.starts_on <= day <= plan.ends_on,
            "plan",
            _l(
                "The check lies outside the plan's period (%(start)s to %(end)s).",
                start=plan.starts_on.isoformat(),
                end=plan.ends_on.isoformat(),
            ),
        )
    if check.id is not None and check.findings:
        problems.check(
            community_ok and check.community.id == check.findings[0].community_id,
            "community",
            _l("A check with findings stays in its community."),
        )
        earliest = min(f.rectification.deadline for f in check.findings)
        problems.check(
            day is None or day <= earliest,
            "checked_on",
            _l("A rectification deadline (%(day)s) would lie before the check.", day=earliest),
        )
    problems.raise_if_any()
    if check.id is None:
        check.recorded_by, check.recorded_at = actor, datetime.now(UTC)


def get_check(session: Session, check_id) -> SupervisionCheck:
    return find_row(session, SupervisionCheck, check_id, check_id=_l("Unknown check."))


def _staff(session: Session, value) -> User | None:
    """The user of id ``value`` (an int, or digits), or None; the caller checks the community."""
    number = row_id(value)
    return session.get(User, number) if number is not None else None  # unscoped: see above


def record_check(
    session: Session,
    community_id,
    kind: str,
    checked_on,
    inspector: str,
    summary: str = "",
    plan_id=None,
    findings: Sequence[Mapping] = (),
    actor: str = "system",
) -> SupervisionCheck:
    """Record a check with its findings (each a mapping of ``add_finding``'s arguments) at once;
    a bad finding is named by its position (``findings.0.deadline``) and nothing is written."""
    community = find_row(session, Community, community_id, community=UNKNOWN_COMMUNITY)
    problems = Problems()
    day = problems.day("checked_on", checked_on, REQUIRED)
    plan = None
    if plan_id not in (None, ""):
        # a plan of the check's community or a company-wide one
        plan = visible_or_none(
            session, CheckPlan, plan_id, scope=lambda p: p.community_id in (None, community.id)
        )
        problems.check(plan is not None, "plan", _l("Unknown plan."))
    problems.check(isinstance(findings, list | tuple), "findings", _l("Give a list of findings."))
    problems.raise_if_any()
    check = SupervisionCheck(
        community=community,
        kind=kind,
        checked_on=day,
        inspector=inspector,
        summary=(summary or "").strip(),
        plan=plan,
    )
    with session.no_autoflush:
        validate_check(session, check, actor)
    session.add(check)
    session.flush()
    problems = Problems()
    for n, finding in enumerate(findings):
        try:
            if not isinstance(finding, Mapping):
                raise DomainError(_=_l("Give each finding as an object."))
            add_finding(session, check.id, **_finding_args(finding), actor=actor)
        except DomainError as err:
            for field, messages in err.messages.items():
                for message in messages:
                    problems.add(f"findings.{n}.{field}", message)
    problems.raise_if_any()
    return check


def _finding_args(body: Mapping) -> dict:
    return {name: body.get(name) for name in ("severity", "description", "responsible", "deadline")}


def community_staff(session: Session, community_id: int) -> list[User]:
    """The active staff members assigned to a community: who may be responsible there."""
    return list(
        session.scalars(
            select(User)
            .join(StaffAssignment, StaffAssignment.user_id == User.id)
            .where(StaffAssignment.community_id == community_id, User.active.is_(True))
            .order_by(User.username)
        )
    )


def _responsible(session: Session, problems: Problems, community_id: int, user_id) -> User | None:
    if user_id in (None, ""):
        problems.add("responsible", REQUIRED)
        return None
    user = _staff(session, user_id)
    if user is None or user not in community_staff(session, community_id):
        problems.add("responsible", _l("Choose an active staff member of the community."))
        return None
    return user


def add_finding(
    session: Session,
    check_id,
    severity: str,
    description: str,
    responsible,
    deadline,
    actor: str = "system",
) -> Finding:
    """Add a finding to a check, with its rectification (responsible staff, deadline)."""
    check = get_check(session, check_id)
    problems = Problems()
    problems.one_of("severity", severity, Severity)
    text = problems.text("description", description, 2000)
    user = _responsible(session, problems, check.community_id, responsible)
    day = problems.day("deadline", deadline, REQUIRED)
    if day is not None:
        problems.check(
            day >= check.checked_on,
            "deadline",
            _l("The deadline cannot lie before the check (%(day)s).", day=check.checked_on),
        )
    problems.raise_if_any()
    finding = Finding(
        community_id=check.community_id, check=check, severity=severity, description=text
    )
    rectification = Rectification(
        community_id=check.community_id,
        finding=finding,
        responsible=user,
        deadline=day,
        rejections=0,
        rectification_note="",
    )
    rectification.status = rectification_status_on(rectification, business_date())
    session.add_all([finding, rectification])
    session.flush()
    return finding


# --- rectifications --------------------------------------------------------------------------


def business_day_of(instant: datetime | None) -> date | None:
    return business_date(instant) if instant is not None else None


def rectification_status_on(item: Rectification, as_of: date) -> str:
    return rules.rectification_status(
        as_of, item.deadline, business_day_of(item.rectified_at), business_day_of(item.accepted_at)
    )


def get_rectification(session: Session, rectification_id) -> Rectification:
    """A rectification the user may see (finance and collectors: their own only)."""
    return find_row(
        session,
        Rectification,
        rectification_id,
        scope=rectification_in_scope,
        rectification_id=_l("Unknown rectification."),
    )


def mark_rectified(session: Session, rectification_id, note: str, actor: str) -> Rectification:
    """The responsible person (or customer service, a manager) reports the work done."""
    item = get_rectification(session, rectification_id)
    if item.accepted_at is not None:
        raise DomainError(rectification_id=_l("This rectification is accepted already."))
    if item.rectified_at is not None:
        raise DomainError(rectification_id=_l("It was reported rectified and awaits acceptance."))
    problems = Problems()
    text = problems.text("note", note, 2000)
    problems.raise_if_any()
    item.rectified_at, item.rectified_by, item.rectification_note = datetime.now(UTC), actor, text
    item.status = rectification_status_on(item, business_date())
    session.flush()
    return item


def _reported(session: Session, rectification_id, actor: str) -> Rectification:
    item = get_rectification(session, rectification_id)
    if item.accepted_at is not None:
        raise DomainError(rectification_id=_l("This rectification is accepted already."))
    if item.rectified_at is None:
        raise DomainError(rectification_id=_l("Nothing to decide: it is not reported rectified."))
    if actor in (item.responsible.username, item.rectified_by):
        raise DomainError(
            rectification_id=_l("Someone other than who is responsible or reported it decides.")
        )
    return item


def accept_rectification(session: Session, rectification_id, actor: str, note: str = ""):
    """A manager checks the work and accepts it: the finding is closed."""
    item = _reported(session, rectification_id, actor)
    problems = Problems()
    text = problems.text("note", note, 300, required=False)
    problems.raise_if_any()
    item.accepted_at, item.accepted_by, item.decision_note = datetime.now(UTC), actor, text or None
    item.status = RectificationStatus.ACCEPTED
    session.flush()
    return item


def reject_rectification(session: Session, rectification_id, actor: str, note: str):
    """A manager finds the work wanting: back to open (overdue past the deadline), with why."""
    item = _reported(session, rectification_id, actor)
    problems = Problems()
    text = problems.text("note", note, 300)
    problems.raise_if_any()
    item.rectified_at = item.rectified_by = None
    item.rejections += 1
    item.decision_note = text
    item.status = rectification_status_on(item, business_date())
    session.flush()
    return item


def mark_overdue(session: Session, as_of: date) -> int:
    """The daily marking: every rectification not accepted gets its status of ``as_of``;
    returns how many changed (a second run the same day changes nothing)."""
    changed = 0
    # unscoped: the daily marking of rectifications, done for the system
    pending = select(Rectification).where(Rectification.accepted_at.is_(None))
    for item in session.scalars(pending):
        status = rectification_status_on(item, as_of)
        if item.status != status:
            item.status, changed = status, changed + 1
    session.flush()
    return changed
