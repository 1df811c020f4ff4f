"""Collection campaigns (清欠任务单, docs/domain.md §7): created over a community's overdue
units and dealt to the staff, and closed.

``create_campaign`` picks a community's overdue units (``find_overdue_accounts``) by the
campaign's filters, leaves out units already in another active campaign and units held as the
dunning scan holds them (an active installment agreement, a promise to pay whose day is not
past: nobody calls an owner who keeps an agreement), and deals them to the
chosen staff (``app.domain.collection.distribute``): one task per unit, due for first contact
at once, every owner to be reached by the first-contact deadline. It refuses — naming the field,
writing nothing — a campaign without staff, with staff not assigned to the community, or with no
unit to collect from.

The tasks and their contact attempts: ``app.services.collection_tasks``; the campaign report:
``app.services.collection_report``.
"""

from datetime import UTC, date, datetime, timedelta

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_date
from app.domain.collection import NextAction, distribute
from app.domain.money import ZERO
from app.models import (
    CollectionCampaign,
    CollectionTask,
    Community,
    InstallmentAgreement,
    StaffAssignment,
)
from app.models.collection import CampaignStatus
from app.models.installments import InstallmentStatus
from app.services.arrears import find_overdue_accounts
from app.services.errors import DomainError, Problems
from app.services.ledger import parse_amount
from app.services.people import user_names
from app.services.promises import promised_units
from app.services.queries import is_id, whole_number
from app.services.rows import find_row
from app.services.settings import get_int


def _int(problems: Problems, field: str, value, minimum: int) -> int | None:
    """A whole number of at least ``minimum``, or None after a message."""
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.add(field, _l("A whole number."))
        return None
    return (
        number
        if problems.check(number >= minimum, field, _l("At least %(n)d.", n=minimum))
        else None
    )


def _ids(value) -> list[int] | None:
    """A list of ids from a JSON list or form values; None when it is not one."""
    if not isinstance(value, list | tuple):
        return None
    numbers = [whole_number(v) for v in value]
    ids = [n for n in numbers if n is not None]
    return ids if len(ids) == len(numbers) else None


def _community(session: Session, community_id) -> Community:
    return find_row(session, Community, community_id, community=_l("Unknown community."))


def _check_staff(session: Session, problems: Problems, community: Community, staff) -> list[int]:
    ids = _ids(staff)
    if ids is None or not ids:
        problems.add("staff", _l("Choose at least one staff member to do the collecting."))
        return []
    if len(set(ids)) != len(ids):
        problems.add("staff", _l("Each staff member only once."))
        return []
    assigned = set(
        session.scalars(
            select(StaffAssignment.user_id)
            .join(User, User.id == StaffAssignment.user_id)
            .where(StaffAssignment.community_id == community.id, User.active.is_(True))
        )
    )
    strangers = [i for i in ids if i not in assigned]
    if strangers:
        names = ", ".join(user_names(session, strangers))
        problems.add(
            "staff",
            _l("Not assigned to %(community)s: %(users)s.", community=community.name, users=names),
        )
    return ids


def _units_in_active_campaigns(session: Session, community_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CollectionTask.unit_id)
            .join(CollectionCampaign)
            .where(
                CollectionCampaign.community_id == community_id,
                CollectionCampaign.status == CampaignStatus.ACTIVE,
            )
        )
    )


def _units_held(session: Session, community_id: int, today: date) -> set[int]:
    """Units under an active installment agreement, or with a promise to pay not yet due."""
    agreed = session.scalars(
        # unscoped: units of the community its caller found through the door
        select(InstallmentAgreement.unit_id).where(
            InstallmentAgreement.community_id == community_id,
            InstallmentAgreement.status == InstallmentStatus.ACTIVE,
        )
    )
    return set(agreed) | set(promised_units(session, today))


def create_campaign(
    session: Session,
    community_id,
    name: str,
    staff,
    min_days_overdue=1,
    min_amount=None,
    first_contact_days=None,
    as_of: date | None = None,
    actor: str = "system",
) -> CollectionCampaign:
    """Create a campaign over the community's overdue units on ``as_of`` (today) and deal its
    tasks to ``staff`` (user ids).

    :raises NotFoundError: for a community the user may not see.
    :raises DomainError: naming every bad field; nothing is written.
    """
    community = _community(session, community_id)
    problems = Problems()
    name = (name or "").strip()
    problems.check(bool(name), "name", _l("This field is required."))
    problems.check(len(name) <= 100, "name", _l("At most %(n)d characters.", n=100))
    staff_ids = _check_staff(session, problems, community, staff)
    min_days = _int(problems, "min_days_overdue", min_days_overdue, 1)
    floor = ZERO if min_amount in (None, "") else parse_amount(problems, "min_amount", min_amount)
    if first_contact_days in (None, ""):
        first_contact_days = get_int(session, "first_contact_days")
    contact_days = _int(problems, "first_contact_days", first_contact_days, 0)
    problems.raise_if_any()
    assert min_days is not None and contact_days is not None  # else raise_if_any raised
    today = as_of or business_date()
    taken = _units_in_active_campaigns(session, community.id) | _units_held(
        session, community.id, today
    )
    accounts = [
        account
        for account in find_overdue_accounts(session, today, {community.id}, min_amount=floor)
        if account.days_overdue >= min_days and account.unit_id not in taken
    ]
    if not accounts:
        raise DomainError(
            min_days_overdue=_l(
                "No unit of this community matches these filters (or all are in another "
                "active campaign, an installment agreement or a promise to pay)."
            )
        )
    campaign = CollectionCampaign(
        community=community,
        name=name,
        min_days_overdue=min_days,
        min_amount=floor,
        started_on=today,
        first_contact_by=today + timedelta(days=contact_days),
        status=CampaignStatus.ACTIVE,
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    session.add(campaign)
    by_unit = {a.unit_id: a for a in accounts}
    piles = distribute([(a.unit_id, a.overdue) for a in accounts], staff_ids)
    for assignee_id, unit_ids in piles.items():
        for unit_id in unit_ids:
            account = by_unit[unit_id]
            session.add(
                CollectionTask.first(
                    campaign,
                    unit_id,
                    account.owner_id,
                    assignee_id,
                    account.overdue,
                    account.days_overdue,
                    NextAction.FIRST_CONTACT,
                    today,
                )
            )
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id) -> CollectionCampaign:
    return find_row(
        session,
        CollectionCampaign,
        campaign_id if is_id(campaign_id) else None,
        campaign_id=_l("Unknown campaign."),
    )


def close_campaign(session: Session, campaign_id) -> CollectionCampaign:
    """End a campaign: no more contacts; its units may join a new one."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.ACTIVE:
        raise DomainError(campaign_id=_l("This campaign is already closed."))
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = datetime.now(UTC)
    session.flush()
    return campaign
