"""Validation of master data (communities, buildings, units, owners, ownerships, tariffs).

``validate(session, item)`` checks one new or changed row against the rules of docs/domain.md §1–§2
and raises ``DomainError`` naming every bad field; screens and the API call it before a flush. It
also applies the one side effect of the rules: a new tariff version ends the previous one.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import InstanceState, Session

from app.domain import checks
from app.models import BillLine, Building, Community, Owner, Ownership, Tariff, Unit
from app.models.types import (
    CYCLE_MONTHS,
    Basis,
    Channel,
    CustomerType,
    FeeKind,
    PropertyType,
    UnitStatus,
)
from app.security.scoping import in_scope, visible_community_ids
from app.services.errors import Problems, choices_text
from app.services.settings import get_int, get_setting

MAX_AREA = Decimal("100000")
REQUIRED = _l("This field is required.")
UNKNOWN_COMMUNITY = _l("Unknown community.")


def _decimal(problems: Problems, field: str, value, places: int) -> Decimal | None:
    """``value`` as a Decimal with at most ``places`` decimals, or None after a message."""
    if value is None or value == "":
        problems.add(field, REQUIRED)
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.add(field, _l("Not a number."))
        return None
    if not number.is_finite():
        problems.add(field, _l("Not a number."))
        return None
    if checks.decimal_places(number) > places:
        problems.add(field, _l("At most %(n)d decimal places.", n=places))
        return None
    return number


def apply_defaults(item) -> None:
    """Give unset attributes their column defaults, so that validation sees final values."""
    for column in item.__table__.columns:
        default = column.default
        if default is not None and default.is_scalar and getattr(item, column.key) is None:
            setattr(item, column.key, default.arg)


def _related(problems: Problems, field: str, item, message=UNKNOWN_COMMUNITY) -> bool:
    """A required relation that must exist and lie in the user's communities."""
    if item is None:
        problems.add(field, REQUIRED)
        return False
    # A transient object stands for an id that matched no row (marshmallow-sqlalchemy's
    # Related field makes one up rather than failing).
    return problems.check(not inspect(item).transient and in_scope(item), field, message)


def _duplicate(session: Session, item, *conditions) -> bool:
    """Whether another row of ``item``'s model matches ``conditions``."""
    model = type(item)
    query = select(model.id).where(*conditions)
    if item.id is not None:
        query = query.where(model.id != item.id)
    return session.scalar(query.limit(1)) is not None


def validate_community(session: Session, item: Community, problems: Problems) -> None:
    if problems.check(checks.is_code(item.code), "code", _l("1–16 letters, digits, - or _.")):
        problems.conflict(
            _duplicate(session, item, Community.code == item.code),
            "code",
            _l("This code is already used."),
        )
    problems.check(bool((item.name or "").strip()), "name", REQUIRED)
    if item.id is not None:
        problems.check(in_scope(item), "id", UNKNOWN_COMMUNITY)


def validate_building(session: Session, item: Building, problems: Problems) -> None:
    community_ok = _related(problems, "community", item.community)
    if problems.check(checks.is_code(item.code), "code", _l("1–16 letters, digits, - or _.")):
        if community_ok:
            problems.conflict(
                _duplicate(
                    session,
                    item,
                    Building.community_id == item.community.id,
                    Building.code == item.code,
                ),
                "code",
                _l("This building code is already used in this community."),
            )


def validate_unit(session: Session, item: Unit, problems: Problems) -> None:
    building_ok = _related(problems, "building", item.building, _l("Unknown building."))
    if problems.check(
        checks.is_unit_code(item.code),
        "code",
        _l("Use a code such as 3-2-101 (letters, digits, -)."),
    ):
        if building_ok:
            problems.conflict(
                _duplicate(
                    session, item, Unit.building_id == item.building.id, Unit.code == item.code
                ),
                "code",
                _l("This unit code is already used in this building."),
            )
    problems.one_of("property_type", item.property_type, PropertyType)
    problems.one_of("status", item.status, UnitStatus)
    area = _decimal(problems, "area", item.area, 2)
    if area is not None:
        problems.check(
            Decimal(0) < area <= MAX_AREA,
            "area",
            _l("The area must be above 0 and at most %(max)s m².", max=MAX_AREA),
        )


def validate_owner(session: Session, item: Owner, problems: Problems) -> None:
    if item.community is None:
        visible = visible_community_ids()
        if visible is not None and len(visible) == 1:
            # unscoped: the user's one community
            item.community = session.get(Community, next(iter(visible)))
        elif visible is not None:
            problems.add("community", REQUIRED)
    if item.community is not None:
        _related(problems, "community", item.community)
    problems.check(bool((item.name or "").strip()), "name", REQUIRED)
    if item.phone:
        problems.check(checks.is_phone(item.phone), "phone", _l("Not a phone number."))
    if item.email:
        problems.check(checks.is_email(item.email), "email", _l("Not an e-mail address."))
    if item.id_number:
        problems.check(
            checks.is_resident_id(item.id_number),
            "id_number",
            _l("Not a valid 18-character resident ID number."),
        )
    problems.one_of("customer_type", item.customer_type, CustomerType)
    problems.one_of("preferred_channel", item.preferred_channel, Channel)


def validate_ownership(session: Session, item: Ownership, problems: Problems) -> None:
    unit_ok = _related(problems, "unit", item.unit, _l("Unknown unit."))
    owner_ok = _related(problems, "owner", item.owner, _l("Unknown owner."))
    if unit_ok and owner_ok:
        if item.owner.community is None:
            item.owner.community = item.unit.building.community
        problems.check(
            item.unit.scope_community_id == item.owner.scope_community_id,
            "owner",
            _l("The owner belongs to another community than the unit."),
        )
    if not problems.check(item.start_date is not None, "start_date", REQUIRED):
        return
    if item.end_date is not None and not problems.check(
        item.end_date >= item.start_date, "end_date", _l("The end date is before the start date.")
    ):
        return
    if unit_ok:
        end = item.end_date or date.max
        problems.check(
            not _duplicate(
                session,
                item,
                Ownership.unit_id == item.unit.id,
                Ownership.start_date <= end,
                (Ownership.end_date.is_(None)) | (Ownership.end_date >= item.start_date),
            ),
            "start_date",
            _l("This period overlaps another paying owner of the unit."),
        )


def _previous_version(session: Session, item: Tariff) -> Tariff | None:
    query = (
        # unscoped: earlier versions of the tariff being saved, in its own community
        select(Tariff)
        .where(
            Tariff.community_id == item.community.id,
            Tariff.code == item.code,
            Tariff.valid_from < item.valid_from,
        )
        .order_by(Tariff.valid_from.desc())
    )
    if item.id is not None:
        query = query.where(Tariff.id != item.id)
    return session.scalars(query.limit(1)).first()


TARIFF_SETTINGS = ("due_days", "late_fee_daily_rate", "late_fee_grace_days", "late_fee_cap_ratio")


def validate_tariff(session: Session, item: Tariff, problems: Problems) -> None:
    for key in TARIFF_SETTINGS:
        if getattr(item, key) is None:
            python_type = Tariff.__table__.columns[key].type.python_type
            setattr(item, key, python_type(get_setting(session, key)))
    community_ok = _related(problems, "community", item.community)
    problems.check(checks.is_code(item.code), "code", _l("1–16 letters, digits, - or _."))
    problems.check(bool((item.name or "").strip()), "name", REQUIRED)
    problems.one_of("fee_kind", item.fee_kind, FeeKind)
    problems.one_of("basis", item.basis, Basis)
    price = _decimal(problems, "price", item.price, 4)
    if price is not None:
        problems.check(price >= 0, "price", _l("The price cannot be negative."))
    problems.check(
        item.cycle_months in CYCLE_MONTHS, "cycle_months", _l("Choose 1, 3, 6 or 12 months.")
    )
    types = item.property_type_list
    problems.check(
        bool(types) and all(t in {m.value for m in PropertyType} for t in types),
        "property_types",
        _l("Choose at least one property type: %(values)s.", values=choices_text(PropertyType)),
    )
    problems.check(
        item.due_days is not None and 0 <= item.due_days <= 365,
        "due_days",
        _l("Between 0 and 365 days."),
    )
    problems.check(
        item.late_fee_grace_days is not None and 0 <= item.late_fee_grace_days <= 365,
        "late_fee_grace_days",
        _l("Between 0 and 365 days."),
    )
    rate = _decimal(problems, "late_fee_daily_rate", item.late_fee_daily_rate, 6)
    if rate is not None:
        problems.check(
            Decimal(0) <= rate <= Decimal("0.01"),
            "late_fee_daily_rate",
            _l("A daily rate between 0 and 0.01."),
        )
    cap = _decimal(problems, "late_fee_cap_ratio", item.late_fee_cap_ratio, 4)
    if cap is not None:
        problems.check(
            Decimal(0) <= cap <= Decimal(1), "late_fee_cap_ratio", _l("A ratio between 0 and 1.")
        )
    if not problems.check(item.valid_from is not None, "valid_from", REQUIRED):
        return
    if item.valid_to is not None:
        problems.check(
            item.valid_to >= item.valid_from, "valid_to", _l("The end date is before the start.")
        )
    if community_ok and item.code:
        _check_version(session, item, problems)
    _check_terms_fixed(session, item, problems)


BILLING_TERMS = (
    "community",
    "code",
    "basis",
    "price",
    "cycle_months",
    "property_types",
    "valid_from",
)


def _check_terms_fixed(session: Session, item: Tariff, problems: Problems) -> None:
    """Once published or billed, a tariff's billing terms are fixed (docs/domain.md §2): a change of
    price is a new version with its own notice. Its end date may still be set."""
    if item.id is None:
        return
    state: InstanceState[Tariff] = inspect(item)
    changed = [name for name in BILLING_TERMS if state.attrs[name].history.has_changes()]
    if not changed:
        return
    published = state.attrs.published_on.history
    was_published = (published.deleted or published.unchanged or [None])[0] is not None
    billed = session.scalar(select(exists().where(BillLine.tariff_id == item.id)))
    if was_published or billed:
        for name in changed:
            problems.add(
                name,
                _l(
                    "This tariff is published or billed: add a new version (same code, "
                    "a later start) instead of changing it."
                ),
            )


def _check_version(session: Session, item: Tariff, problems: Problems) -> None:
    """The notice rule of docs/domain.md §2, then end the previous version the day before."""
    problems.conflict(
        _duplicate(
            session,
            item,
            Tariff.community_id == item.community.id,
            Tariff.code == item.code,
            Tariff.valid_from == item.valid_from,
        ),
        "valid_from",
        _l("A version of this tariff already starts on this date."),
    )
    previous = _previous_version(session, item)
    if previous is None:
        return
    notice_days = get_int(session, "notice_days")
    published_on = item.published_on
    if published_on is None:
        problems.add(
            "published_on", _l("A new version of a tariff must be published before it applies.")
        )
        return
    earliest = published_on + timedelta(days=notice_days)
    if not problems.check(
        item.valid_from >= earliest,
        "valid_from",
        _l(
            "A new version must start at least %(days)d days after its publication, "
            "on %(date)s or later.",
            days=notice_days,
            date=earliest.isoformat(),
        ),
    ):
        return
    later = session.scalar(
        select(Tariff.id).where(
            Tariff.community_id == item.community.id,
            Tariff.code == item.code,
            Tariff.valid_from > item.valid_from,
            Tariff.id != (item.id or 0),
        )
    )
    if (
        problems.check(
            later is None, "valid_from", _l("A later version exists: add versions in date order.")
        )
        and not problems.messages
    ):
        if previous.valid_to is None or previous.valid_to >= item.valid_from:
            previous.valid_to = item.valid_from - timedelta(days=1)


VALIDATORS: dict[type, Callable[[Session, Any, Problems], None]] = {
    Community: validate_community,
    Building: validate_building,
    Unit: validate_unit,
    Owner: validate_owner,
    Ownership: validate_ownership,
    Tariff: validate_tariff,
}


def validate(session: Session, item) -> None:
    """Check ``item`` (new or changed) and raise ``DomainError`` listing every bad field."""
    problems = Problems()
    apply_defaults(item)
    with session.no_autoflush:  # the row is not complete yet: do not let queries flush it
        VALIDATORS[type(item)](session, item, problems)
    problems.raise_if_any()
