"""The month close of late fees (periodic, ``jobs.schedule``: 01:00 business time on the 1st,
for the month just ended). One transaction per community, so that a cashier paying a unit waits
for one community's close at most. Idempotent: a slot run twice posts nothing new."""

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.extensions import unit_of_work
from app.models import Community
from app.services.latefees import close_month


def close(day: str) -> int:
    """Close the month before the slot's business date ``day`` (ISO); the bills posted."""
    today = date.fromisoformat(day)
    month = today.replace(day=1) - relativedelta(months=1)
    with unit_of_work() as session:
        ids = session.scalars(select(Community.id).order_by(Community.id)).all()
    posted = 0
    for community_id in ids:
        with unit_of_work() as session:
            posted += close_month(session, month, community_id, today=today).bills
    return posted
