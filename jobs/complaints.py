"""The daily complaint check (periodic, ``jobs.schedule``): write the follow-up entry of each
deadline missed (``check_deadlines``: the complaint's log says when it was found late; the
overdue flags themselves are computed when read and never wait for this job), and set the
dunning pause on cases opened or freed since a complaint was marked as the reason for not paying
(``renew_pauses``). Both are idempotent: a slot run twice writes nothing new."""

from datetime import UTC, datetime

from app.extensions import unit_of_work
from app.services.complaint_followups import check_deadlines
from app.services.complaint_pauses import renew_pauses


def check(day: str) -> int:
    """The check of the slot's business date ``day`` (ISO), made at the moment the job runs (a
    slot caught up late judges by the time it actually runs); returns the misses logged."""
    with unit_of_work() as session:
        result = check_deadlines(session, datetime.now(UTC), actor="complaint-check")
        renew_pauses(session)
    return len(result.response) + len(result.resolution)
