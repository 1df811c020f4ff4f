"""Read-only finders with domain names; they never change rows."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Building, Community, Owner, Unit

#: The largest row id: the ``integer`` of PostgreSQL (a larger one is no row, never a 500).
MAX_ID = 2**31 - 1


def is_id(value) -> bool:
    """Whether ``value`` is a row id as JSON carries one (an int, not a bool, within
    ``MAX_ID``)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def whole_number(value) -> int | None:
    """``value`` as an int (a number or its digits, as forms send them) that a row id or count
    column holds, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_ID else None


@dataclass(frozen=True)
class CommunityOverview:
    id: int
    code: str
    name: str
    buildings: int
    units: int
    occupied: int
    area: object  # Decimal: total building area in m²
    owners: int


def community_overview(session: Session, community_ids: set[int] | None) -> list[CommunityOverview]:
    """One line per community (all when ``community_ids`` is None) with its headcounts."""
    units = (
        select(
            Building.community_id.label("community_id"),
            func.count(func.distinct(Building.id)).label("buildings"),
            func.count(Unit.id).label("units"),
            func.count(Unit.id).filter(Unit.status == "occupied").label("occupied"),
            func.coalesce(func.sum(Unit.area), 0).label("area"),
        )
        .outerjoin(Unit, Unit.building_id == Building.id)
        .group_by(Building.community_id)
        .subquery()
    )
    owners = (
        select(Owner.community_id, func.count(Owner.id).label("owners"))
        .group_by(Owner.community_id)
        .subquery()
    )
    query = (
        select(
            Community.id,
            Community.code,
            Community.name,
            func.coalesce(units.c.buildings, 0),
            func.coalesce(units.c.units, 0),
            func.coalesce(units.c.occupied, 0),
            func.coalesce(units.c.area, 0),
            func.coalesce(owners.c.owners, 0),
        )
        .outerjoin(units, units.c.community_id == Community.id)
        .outerjoin(owners, owners.c.community_id == Community.id)
        .order_by(Community.code)
    )
    if community_ids is not None:
        query = query.where(Community.id.in_(community_ids))
    return [CommunityOverview(*row) for row in session.execute(query)]
