"""The audit trail (docs/domain.md §13): every change recorded with who, when, before and after."""

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.audit import acting_as, record
from app.models import AuditLog, Building, Unit


def trail(session, table="unit"):
    return session.scalars(
        select(AuditLog).where(AuditLog.table_name == table).order_by(AuditLog.id)
    ).all()


def test_an_update_pointing_at_a_row_inserted_by_the_same_flush_records_its_id(session):
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))
    building = Building(community_id=1, code="9", name="9号楼")
    unit.building = building  # both written by one flush
    session.flush()
    assert trail(session)[-1].changes["after"] == {
        "building_id": building.id,
        "building": building.id,
    }


def test_create_update_delete_are_recorded_with_the_actor(session):
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))
    before = len(trail(session))
    with acting_as("clerk"):
        new = Unit(
            building_id=1,
            code="1-1-103",
            area=Decimal("70.00"),
            property_type="residential",
            status="vacant",
        )
        session.add(new)
        session.flush()
        unit.area = Decimal("99.99")
        unit.status = "vacant"
        session.flush()
        session.delete(new)
        session.commit()
    created, updated, deleted = trail(session)[before:]
    assert (created.action, created.username, created.row_id) == ("create", "clerk", str(new.id))
    assert created.changes["after"]["area"] == "70.00"
    assert updated.action == "update" and updated.row_id == str(unit.id)
    assert updated.changes == {
        "before": {"area": "81.50", "status": "occupied"},
        "after": {"area": "99.99", "status": "vacant"},
    }
    assert deleted.action == "delete" and deleted.changes["before"]["code"] == "1-1-103"
    assert created.at.tzinfo is not None


def test_a_rolled_back_change_leaves_no_trail(session):
    before = len(trail(session))
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))
    unit.area = Decimal("1.00")
    session.flush()
    session.rollback()
    assert len(trail(session)) == before


def test_a_change_of_relation_is_recorded_by_id(session):
    unit = session.scalar(select(Unit).where(Unit.code == "1-1-101", Unit.building_id == 1))
    unit.building_id = 2
    unit.code = "1-1-109"
    session.commit()
    last = trail(session)[-1]
    assert last.changes["before"]["building_id"] == 1
    assert last.changes["after"]["building_id"] == 2


def test_reveals_and_exports_are_recorded(session):
    record(session, "reveal", "owner", details={"ids": [1, 2]})
    session.commit()
    entry = trail(session, "owner")[-1]
    assert (entry.action, entry.username, entry.changes) == ("reveal", "system", {"ids": [1, 2]})


@pytest.mark.parametrize(
    ("database", "statement"),
    [
        ("session", "UPDATE audit_log SET username = 'x'"),
        ("session", "DELETE FROM audit_log"),
        ("pg_session", "UPDATE audit_log SET username = 'x'"),
        ("pg_session", "DELETE FROM audit_log"),
        ("pg_session", "TRUNCATE audit_log"),
    ],
)
def test_the_trail_cannot_be_edited_deleted_or_truncated(request, database, statement):
    db_session = request.getfixturevalue(database)  # SQLite has no TRUNCATE
    record(db_session, "export", "unit")
    db_session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db_session.execute(text(statement))
    db_session.rollback()
    assert db_session.scalar(text("SELECT count(*) FROM audit_log")) > 0
