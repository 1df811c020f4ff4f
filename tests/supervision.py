"""Supervision checks for the service, API, screen and report tests (docs/domain.md §11)."""

from datetime import timedelta

from app.clock import business_date
from app.services.supervision import record_check
from tests.collection import user_id


def finding(
    session, username="collector", deadline_days=5, severity="serious", text="消防通道堆物"
):
    """``add_finding``'s arguments: the user ``username`` is responsible, the deadline is
    ``deadline_days`` from today."""
    return {
        "severity": severity,
        "description": text,
        "responsible": user_id(session, username),
        "deadline": business_date() + timedelta(days=deadline_days),
    }


def make_check(session, *findings, days_ago=10, community_id=1, kind="routine"):
    """A check of community A ``days_ago`` days ago with ``findings`` (committed); its id."""
    check = record_check(
        session,
        community_id,
        kind,
        business_date() - timedelta(days=days_ago),
        "质检部 王工",
        "月度例行检查",
        findings=list(findings),
        actor="manager",
    )
    session.commit()
    return check.id
