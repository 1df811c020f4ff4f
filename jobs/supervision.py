"""Supervision jobs: the daily overdue marking and the monthly supervision-check reports.

``daily`` is the one periodic entry (``jobs.schedule``, 07:00 business time): it marks the
rectifications overdue as of the slot's day, then queues the previous month's reports, one per
community and one company-wide, on the ``documents`` queue. Their keys are deterministic
(``supervision-report-<YYYY-MM>-<community id | all>``), so only the first day's slot creates
them: every later day finds them in the job table and queues nothing, yet a 1st missed while no
worker ran is caught up the next day. ``render_supervision_report`` lays the report out outside
any transaction, writes it whole under ``WUYE_FILES_DIR`` and records (or replaces) its row.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.extensions import unit_of_work
from app.files import write_file
from app.models import Community
from app.services.supervision import mark_overdue
from app.services.supervision_report import record_report, report_file, report_scope
from reports.supervision import render, report_document

from . import enqueue

QUEUE = "documents"


def report_key(period: str, community_id: int | None) -> str:
    return f"supervision-report-{period}-{'all' if community_id is None else community_id}"


def enqueue_reports(period: str) -> list[str]:
    """Queue the month's reports: each community's and the company-wide one; the job ids."""
    with unit_of_work() as session:
        ids = session.scalars(select(Community.id).order_by(Community.code)).all()
    return [
        enqueue(
            render_supervision_report,
            period,
            community_id,
            key=report_key(period, community_id),
            queue=QUEUE,
            description=f"supervision report {period} {community_id or 'all'}",
        )
        for community_id in [*ids, None]
    ]


def daily(day: str) -> int:
    """Mark overdue rectifications as of ``day``, queue last month's reports; how many were
    marked."""
    today = date.fromisoformat(day)
    with unit_of_work() as session:
        changed = mark_overdue(session, today)
    enqueue_reports(f"{today - relativedelta(months=1):%Y-%m}")
    return changed


def render_supervision_report(period: str, community_id: int | None) -> str:
    """Render and store one report; returns its file (relative to ``WUYE_FILES_DIR``)."""
    with unit_of_work() as session:
        context = report_document(session, period, community_id)
        relative = report_file(context["month"], report_scope(session, community_id))
    pdf, pages = render(context)  # outside the transaction: layout takes a while
    write_file(relative, pdf)
    with unit_of_work() as session:
        record_report(session, period, community_id, relative, pages, "supervision-report")
    return relative
