"""The monthly supervision-check reports' rows (监督检查报告, docs/domain.md): the scope a user
may ask for, each report's number and file, and the row recording a stored report. The report
itself (its figures, charts and layout) is ``reports.supervision``.
"""

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Community, SupervisionReport
from app.security.scoping import visible_community_ids
from app.services import kpi
from app.services.errors import NotFoundError
from app.services.rows import find_row


def report_scope(session: Session, community_id) -> Community | None:
    """The community of a report (None: company-wide, for who sees every community).

    :raises NotFoundError: for a community the user may not see, or company-wide for staff of
        some communities only.
    """
    if community_id in (None, ""):
        if visible_community_ids() is not None:
            raise NotFoundError(community=_l("Only who sees every community reads the whole."))
        return None
    return find_row(session, Community, community_id, community=_l("Unknown community."))


def report_number(month: date, community: Community | None) -> str:
    return f"JC-{community.code if community else 'ALL'}-{month:%Y%m}"


def report_file(month: date, community: Community | None) -> str:
    """Where a stored report lives under ``WUYE_FILES_DIR``."""
    return f"supervision/{month:%Y-%m}/{report_number(month, community)}.pdf"


def record_report(
    session: Session, period, community_id, relative: str, pages: int, actor: str
) -> SupervisionReport:
    """Record the stored report of a month and scope; a report made again replaces the row."""
    month = kpi.month_of(period)
    scope = "all" if community_id is None else str(community_id)
    report = session.scalar(
        # unscoped: the row of a report its job stored (its scope checked by report_scope)
        select(SupervisionReport).where(
            SupervisionReport.month == month, SupervisionReport.scope == scope
        )
    )
    if report is None:
        report = SupervisionReport(month=month, scope=scope, community_id=community_id)
        session.add(report)
    report.file, report.pages = relative, pages
    report.generated_at, report.generated_by = datetime.now(UTC), actor
    session.flush()
    return report
