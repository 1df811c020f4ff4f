"""The supervision ledger and figures (docs/domain.md §11): the rectification ledger (整改台账)
with each rectification's status as of any day, its counts by status, the query a screen or API
call asks it with, and the summary of the checks made in a period.

The status of a day is computed by the rule the rectification flow keeps ``status`` current with
(``app.services.supervision``).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.clock import business_date
from app.domain import supervision as rules
from app.models import Finding, Rectification, SupervisionCheck
from app.models.supervision import CheckKind, RectificationStatus, Severity
from app.security.scoping import current_user, sees_only_own_rectifications
from app.services.errors import Problems
from app.services.filters import community_arg, day_arg
from app.services.rows import visible_rows
from app.services.supervision import business_day_of, rectification_status_on

STATUSES = tuple(s.value for s in RectificationStatus)
SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class ChecksSummary:
    """The checks made from ``start`` to ``end``: how many of each kind, and their findings by
    severity (every kind and severity present)."""

    start: date
    end: date
    checks: dict[str, int]
    findings: dict[str, int]


def checks_summary(
    session: Session, start: date, end: date, community_ids: set[int] | None = None
) -> ChecksSummary:
    made = [SupervisionCheck.checked_on >= start, SupervisionCheck.checked_on <= end]
    if community_ids is not None:
        made.append(SupervisionCheck.community_id.in_(community_ids))
    kinds = dict(
        session.execute(
            select(SupervisionCheck.kind, func.count()).where(*made).group_by(SupervisionCheck.kind)
        ).all()
    )
    severities = dict(
        session.execute(
            select(Finding.severity, func.count())
            .join(SupervisionCheck)
            .where(*made)
            .group_by(Finding.severity)
        ).all()
    )
    return ChecksSummary(
        start,
        end,
        {kind.value: kinds.get(kind.value, 0) for kind in CheckKind},
        {severity: severities.get(severity, 0) for severity in SEVERITIES},
    )


@dataclass(frozen=True)
class LedgerLine:
    """One rectification in the ledger (整改台账), its status as of the ledger's day."""

    rectification_id: int
    community_id: int
    community: str
    check_id: int
    checked_on: date
    check_kind: str
    severity: str
    description: str
    responsible_id: int
    responsible: str
    deadline: date
    status: str
    rectified_on: date | None
    accepted_on: date | None
    days_overdue: int


def rectification_ledger(
    session: Session,
    as_of: date,
    community_ids: set[int] | None = None,
    *,
    status: str | None = None,
    severity: str | None = None,
    responsible_id: int | None = None,
) -> list[LedgerLine]:
    """Every rectification of a check made by ``as_of`` with its status that day, overdue ones
    first (longest overdue first), then by deadline. ``community_ids``: None for all."""
    query = (
        visible_rows(Rectification, community_ids)
        .join(Finding)
        .join(SupervisionCheck)
        .where(SupervisionCheck.checked_on <= as_of)
        .options(
            joinedload(Rectification.finding).joinedload(Finding.check),
            joinedload(Rectification.community),
            joinedload(Rectification.responsible),
        )
    )
    if severity is not None:
        query = query.where(Finding.severity == severity)
    if responsible_id is not None:
        query = query.where(Rectification.responsible_id == responsible_id)
    lines = []
    for item in session.scalars(query):
        state = rectification_status_on(item, as_of)
        if status is not None and state != status:
            continue
        check, user = item.finding.check, item.responsible
        lines.append(
            LedgerLine(
                rectification_id=item.id,
                community_id=item.community_id,
                community=item.community.name,
                check_id=check.id,
                checked_on=check.checked_on,
                check_kind=check.kind,
                severity=item.finding.severity,
                description=item.finding.description,
                responsible_id=user.id,
                responsible=f"{user.last_name}{user.first_name}",
                deadline=item.deadline,
                status=state,
                rectified_on=business_day_of(item.rectified_at),
                accepted_on=business_day_of(item.accepted_at),
                days_overdue=rules.days_overdue(as_of, item.deadline, state),
            )
        )
    return sorted(
        lines, key=lambda line: (-line.days_overdue, line.deadline, line.rectification_id)
    )


def ledger_counts(lines: list[LedgerLine]) -> dict[str, int]:
    """How many lines have each status (every status present, zero or more)."""
    counts = Counter(line.status for line in lines)
    return {status: counts[status] for status in STATUSES}


@dataclass(frozen=True)
class LedgerQuery:
    """The ledger's filters as a screen or API call asked for them, checked."""

    as_of: date
    community_ids: set[int] | None
    status: str | None = None
    severity: str | None = None


def parse_ledger_query(args: Mapping[str, str], visible: set[int] | None) -> LedgerQuery:
    """Check ``as_of``, ``community_id``, ``status`` and ``severity`` (all optional) of a query
    string; ``visible``: the caller's communities (None: all).

    :raises DomainError: naming each bad field.
    :raises NotFoundError: for a community the caller may not see.
    """
    problems = Problems()
    as_of = day_arg(problems, args, "as_of", business_date())
    community_ids = community_arg(problems, args, visible)
    status, severity = args.get("status") or None, args.get("severity") or None
    if status is not None:
        problems.one_of("status", status, RectificationStatus)
    if severity is not None:
        problems.one_of("severity", severity, Severity)
    problems.raise_if_any()
    return LedgerQuery(as_of, community_ids, status, severity)


def ledger_of(session: Session, query: LedgerQuery) -> list[LedgerLine]:
    """The ledger a screen or API call asked for: finance and collectors get the
    rectifications they are responsible for."""
    user = current_user()
    return rectification_ledger(
        session,
        query.as_of,
        query.community_ids,
        status=query.status,
        severity=query.severity,
        responsible_id=user.id if user is not None and sees_only_own_rectifications() else None,
    )
