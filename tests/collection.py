"""A collection campaign for the API and screen tests (docs/domain.md §7)."""

from datetime import date

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.services.billing import run_billing
from app.services.collection import create_campaign


def user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def staff_ids(session) -> list[int]:
    """The collector and customer service, both working for community A."""
    return [user_id(session, "collector"), user_id(session, "customerservice")]


def bill_first_quarter(session) -> None:
    """Community A billed January to March 2026 (committed): today unit 1 owes ¥611.25, unit 2
    ¥618.75."""
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1), community_id=1)
    session.commit()


def start_campaign(session) -> int:
    """A campaign over community A today (committed): the collector holds unit 2 (A业主乙,
    13912345679, ¥618.75), customer service unit 1 (¥611.25)."""
    bill_first_quarter(session)
    campaign = create_campaign(session, 1, "三月清欠", staff_ids(session), actor="manager")
    session.commit()
    return campaign.id
