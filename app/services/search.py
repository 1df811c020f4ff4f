"""Finding a unit, an owner or their rows by what staff are told on the phone or at the counter:
a unit code, an owner's name, the last digits of a phone, or the household's payment code
(docs/screens.md, "Search").

One rule for every screen: text of 2 characters or more is looked for in unit codes and owner
names; text of 4 digits or more is also the end of a phone number (a masked phone still shows
its last 4 digits, so searching by them reveals nothing the screen would not show); a payment
code (8 digits, app/domain/payment_codes.py) finds its unit.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session, contains_eager

from app.domain.payment_codes import unit_of_code
from app.models import Building, Community, Owner, Ownership, Unit
from app.services.rows import visible_only, visible_rows

#: The shortest text a search takes (one character would find half the units).
SHORTEST = 2
#: The fewest digits read as a phone number's end.
PHONE_TAIL = 4


def search_text(text: str | None) -> str:
    """``text`` as searched: stripped, and empty when too short to search by."""
    text = (text or "").strip()
    return text if len(text) >= SHORTEST else ""


def owner_matches(text: str) -> ColumnElement[bool]:
    """Owners whose name contains ``text``, or whose phone ends in it (4 digits or more)."""
    conditions = [Owner.name.icontains(text, autoescape=True)]
    if text.isdigit() and len(text) >= PHONE_TAIL:
        conditions.append(Owner.phone.endswith(text, autoescape=True))
    return or_(*conditions)


def payer_on(on: date) -> ColumnElement[bool]:
    """An ownership joined to ``Unit`` that makes its owner the unit's payer on ``on``."""
    return and_(
        Ownership.unit_id == Unit.id,
        Ownership.start_date <= on,
        or_(Ownership.end_date.is_(None), Ownership.end_date >= on),
    )


def code_matches(text: str, unit_id) -> ColumnElement[bool]:
    """``unit_id`` (a unit id column) is the unit ``text`` names as its payment code."""
    unit = unit_of_code(text.strip())
    return unit_id == unit if unit is not None else false()


def unit_matches(text: str, on: date) -> ColumnElement[bool]:
    """Units whose code contains ``text``, whose owner on ``on`` matches it, or whose payment
    code it is."""
    if not search_text(text):
        return false()
    owners = select(Ownership.id).join(Owner).where(payer_on(on), owner_matches(text))
    return or_(
        Unit.code.icontains(text, autoescape=True), owners.exists(), code_matches(text, Unit.id)
    )


def owner_or_unit_matches(text: str, on: date) -> ColumnElement[bool]:
    """Owners matching ``text``, or owning on ``on`` a unit whose code contains it."""
    if not search_text(text):
        return false()
    units = (
        select(Ownership.id)
        .join(Unit, Unit.id == Ownership.unit_id)
        .where(
            Ownership.owner_id == Owner.id,
            payer_on(on),
            Unit.code.icontains(text, autoescape=True),
        )
    )
    return or_(owner_matches(text), units.exists())


def row_matches(model, text: str, on: date | None = None) -> ColumnElement[bool]:
    """Rows of ``model`` (a bill, payment, complaint: it has a ``unit`` and an ``owner``)
    whose unit's code contains ``text`` or whose owner matches it: the row's own owner, the
    payer when it was made (``on`` is not needed: the row says)."""
    if not search_text(text):
        return false()
    return or_(
        model.unit.has(Unit.code.icontains(text, autoescape=True)),
        model.owner.has(owner_matches(text)),
        code_matches(text, model.unit_id),
    )


def units_to_pick(session: Session) -> list[Unit]:
    """The units of the user's communities, by community and code, their community loaded
    (``unit_label``): the choices of a form's unit."""
    query = (
        visible_rows(Unit)
        .join(Unit.building)
        .join(Building.community)
        .options(contains_eager(Unit.building).contains_eager(Building.community))
        .order_by(Community.code, Unit.code)
    )
    return list(session.scalars(query))


def unit_label(unit: Unit) -> str:
    """A unit as staff tell it from the same code in another community: ``A 1-1-202``."""
    return f"{unit.building.community.code} {unit.code}"


@dataclass(frozen=True)
class UnitMatch:
    unit_id: int
    unit: str
    community: str  # its code
    community_id: int
    owner_id: int | None
    owner: str
    phone: str


def find_units(session: Session, text: str, on: date, limit: int = 20) -> list[UnitMatch]:
    """Units of the user's communities matching ``text`` (``unit_matches``), with their owner
    on ``on``: the pickers of the complaint intake and the till."""
    text = search_text(text)
    if not text:
        return []
    query = (
        select(Unit.id, Unit.code, Community.code, Community.id, Owner.id, Owner.name, Owner.phone)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .outerjoin(Ownership, payer_on(on))
        .outerjoin(Owner, Owner.id == Ownership.owner_id)
        .where(
            or_(
                Unit.code.icontains(text, autoescape=True),
                owner_matches(text),
                code_matches(text, Unit.id),
            )
        )
        .order_by(Community.code, Unit.code, Unit.id)
        .limit(limit)
    )
    query = visible_only(query, Building)
    return [
        UnitMatch(*row[:4], owner_id=row[4], owner=row[5] or "", phone=row[6] or "")
        for row in session.execute(query)
    ]
