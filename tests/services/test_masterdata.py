"""Master-data rules (docs/domain.md §1–§2), checked directly on the service."""

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.models import Building, Community, Owner, Ownership, Setting, Tariff, Unit
from app.services.billing import run_billing
from app.services.errors import DomainError
from app.services.masterdata import validate
from tests.factories import make_building, make_ownership, make_unit


def refused(session, item) -> dict:
    """Validate ``item`` expecting a refusal; return the messages by field."""
    with pytest.raises(DomainError) as info:
        validate(session, item)
    return info.value.as_dict()


@pytest.fixture
def building(session):
    return session.scalar(select(Building).where(Building.community_id == 1))


def new_unit(default_building, **kw):
    values = {
        "building": default_building,
        "code": "1-2-201",
        "property_type": "residential",
        "area": Decimal("90.00"),
        "status": "occupied",
    } | kw
    return Unit(**values)


def test_a_valid_unit_passes_and_gets_defaults(session, building):
    unit = Unit(building=building, code="1-2-201", property_type="residential", area=Decimal("90"))
    validate(session, unit)
    assert unit.status == "occupied"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"area": Decimal("-3")}, "area"),
        ({"area": Decimal("0")}, "area"),
        ({"area": Decimal("250000")}, "area"),
        ({"area": Decimal("90.125")}, "area"),
        ({"area": "ninety"}, "area"),
        ({"code": "1-1-101"}, "code"),  # duplicate in the building
        ({"code": "1 2 201"}, "code"),
        ({"property_type": "castle"}, "property_type"),
        ({"status": "haunted"}, "status"),
        ({"building": None}, "building"),
    ],
)
def test_bad_units_are_refused_naming_the_field(session, building, values, field):
    assert field in refused(session, new_unit(building, **values))


def test_every_bad_field_is_reported_at_once(session, building):
    messages = refused(session, new_unit(building, area=Decimal("-1"), property_type="x"))
    assert set(messages) == {"area", "property_type"}


def test_the_same_unit_code_is_fine_in_another_building(session):
    other = make_building(session, session.get(Community, 1), "2")
    validate(session, new_unit(other, code="1-1-101"))


def test_editing_a_unit_does_not_collide_with_itself(session):
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-101"))
    unit.area = Decimal("100.00")
    validate(session, unit)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"phone": "call me"}, "phone"),
        ({"email": "nobody"}, "email"),
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({"name": " "}, "name"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"customer_type": "guest"}, "customer_type"),
    ],
)
def test_bad_owners_are_refused(session, values, field):
    community = session.get(Community, 1)
    owner = Owner(community=community, **({"name": "李四"} | values))
    assert field in refused(session, owner)


def test_an_unattached_owner_joins_the_community_of_its_first_unit(session):
    owner = Owner(name="王五")
    validate(session, owner)  # the system sees every community: no community needed yet
    session.add(owner)
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-102", Unit.building_id == 2))
    unit.ownerships[0].end_date = date(2025, 12, 31)
    session.flush()
    validate(session, Ownership(unit=unit, owner=owner, start_date=date(2026, 1, 1)))
    assert owner.community.code == "B"


class TestOwnershipHistory:
    @pytest.fixture
    def unit(self, session):
        return session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))

    def successor(self, session, unit, start, end=None):
        owner = Owner(community=session.get(Community, 1), name="赵六")
        session.add(owner)
        return Ownership(unit=unit, owner=owner, start_date=start, end_date=end)

    def test_an_overlapping_period_is_refused(self, session, unit):
        # the current owner holds the unit since 2024-01-01 with no end
        assert "start_date" in refused(session, self.successor(session, unit, date(2025, 6, 1)))

    def test_a_period_after_the_previous_one_ended_is_accepted(self, session, unit):
        unit.ownerships[0].end_date = date(2025, 5, 31)
        session.flush()
        validate(session, self.successor(session, unit, date(2025, 6, 1)))

    def test_a_period_before_an_existing_one_must_end_before_it(self, session, unit):
        early = self.successor(session, unit, date(2020, 1, 1), date(2024, 1, 1))
        assert "start_date" in refused(session, early)
        early.end_date = date(2023, 12, 31)
        validate(session, early)

    def test_end_before_start_is_refused(self, session, unit):
        bad = self.successor(session, unit, date(2030, 1, 2), date(2030, 1, 1))
        assert "end_date" in refused(session, bad)

    def test_owner_and_unit_must_share_a_community(self, session, unit):
        stranger = session.scalar(select(Owner).where(Owner.community_id == 2))
        unit.ownerships[0].end_date = date(2025, 5, 31)
        session.flush()
        bad = Ownership(unit=unit, owner=stranger, start_date=date(2025, 6, 1))
        assert "owner" in refused(session, bad)


class TestTariffVersions:
    """The template's tariff WYF of community A is valid from 2026-01-01, open-ended."""

    def version(self, session, valid_from, published_on, **kw):
        values = {
            "code": "WYF",
            "name": "物业服务费",
            "fee_kind": "property",
            "basis": "area",
            "price": Decimal("2.80"),
            "cycle_months": 1,
            "property_types": "residential",
        } | kw
        return Tariff(
            community=session.get(Community, 1),
            valid_from=valid_from,
            published_on=published_on,
            **values,
        )

    def current(self, session):
        return session.scalar(
            select(Tariff).where(Tariff.valid_from == date(2026, 1, 1), Tariff.community_id == 1)
        )

    def test_a_version_published_too_late_is_refused(self, session):
        late = self.version(session, date(2026, 7, 1), date(2026, 6, 15))
        messages = refused(session, late)
        assert "2026-07-15" in messages["valid_from"][0]
        assert self.current(session).valid_to is None

    def test_an_unpublished_version_is_refused(self, session):
        assert "published_on" in refused(session, self.version(session, date(2026, 7, 1), None))

    def test_a_version_exactly_notice_days_after_publication_ends_the_previous(self, session):
        validate(session, self.version(session, date(2026, 7, 1), date(2026, 6, 1)))
        assert self.current(session).valid_to == date(2026, 6, 30)

    def test_notice_days_is_an_administrator_setting(self, session):
        session.add(Setting(key="notice_days", value="10"))
        validate(session, self.version(session, date(2026, 7, 1), date(2026, 6, 21)))

    def test_the_first_version_needs_no_notice(self, session):
        first = self.version(session, date(2026, 7, 1), None, code="TCF")
        validate(session, first)

    def test_versions_are_added_in_date_order(self, session):
        july = self.version(session, date(2026, 7, 1), date(2026, 5, 1))
        validate(session, july)
        session.add(july)
        session.flush()
        between = self.version(session, date(2026, 4, 1), date(2026, 2, 1))
        assert "valid_from" in refused(session, between)

    def test_unset_terms_take_the_administrator_defaults(self, session):
        session.add(Setting(key="due_days", value="15"))
        tariff = self.version(session, date(2026, 1, 1), None, code="NEW")
        validate(session, tariff)
        assert (tariff.due_days, tariff.late_fee_daily_rate) == (15, Decimal("0.0005"))

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"price": Decimal("-1")}, "price"),
            ({"price": Decimal("2.12345")}, "price"),
            ({"cycle_months": 2}, "cycle_months"),
            ({"property_types": "residential,castle"}, "property_types"),
            ({"property_types": ""}, "property_types"),
            ({"basis": "per_head"}, "basis"),
            ({"late_fee_daily_rate": Decimal("0.5")}, "late_fee_daily_rate"),
            ({"late_fee_cap_ratio": Decimal("1.5")}, "late_fee_cap_ratio"),
            ({"due_days": 400}, "due_days"),
            ({"valid_to": date(2025, 1, 1)}, "valid_to"),
        ],
    )
    def test_bad_terms_are_refused(self, session, values, field):
        tariff = self.version(session, date(2026, 1, 1), None, code="NEW", **values)
        assert field in refused(session, tariff)

    @pytest.mark.parametrize(
        ("locale", "listed"),
        [
            ("zh", "住宅、商业、车位或其他"),
            ("en", "Residential, Commercial, Parking space, or Other"),
        ],
    )
    def test_the_message_names_the_types_as_the_form_offers_them(self, session, locale, listed):
        tariff = self.version(session, date(2026, 1, 1), None, code="NEW", property_types="x")
        with pytest.raises(DomainError) as info, force_locale(locale):
            validate(session, tariff)
        with force_locale(locale):
            assert listed in info.value.as_dict()["property_types"][0]


class TestFixedTerms:
    """A published or billed tariff keeps its terms: a new price is a new version."""

    def tariff(self, session):
        return session.scalar(select(Tariff).where(Tariff.community_id == 1))

    def test_an_unpublished_unbilled_tariff_may_still_be_corrected(self, session):
        tariff = self.tariff(session)
        tariff.price = Decimal("2.90")
        validate(session, tariff)

    def test_a_published_tariff_keeps_its_price(self, session):
        tariff = self.tariff(session)
        tariff.published_on = date(2025, 11, 1)
        session.flush()
        tariff.price, tariff.cycle_months = Decimal("2.90"), 3
        assert set(refused(session, tariff)) == {"price", "cycle_months"}

    def test_publishing_and_correcting_at_once_is_allowed(self, session):
        tariff = self.tariff(session)
        tariff.published_on, tariff.price = date(2025, 11, 1), Decimal("2.90")
        validate(session, tariff)

    def test_a_billed_tariff_keeps_its_terms_but_may_end(self, session):
        run_billing(session, date(2026, 1, 1), community_id=1)
        tariff = self.tariff(session)
        tariff.valid_to = date(2026, 12, 31)
        validate(session, tariff)
        tariff.property_types = "residential,commercial"
        assert "property_types" in refused(session, tariff)


def test_factories_make_valid_rows(session, building):
    unit = make_unit(session, building, "1-3-301")
    validate(session, unit)
    validate(session, make_ownership(session, unit, session.get(Owner, 1), date(2026, 1, 1)))
