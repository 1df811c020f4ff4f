"""Moving in from a spreadsheet (docs/domain.md §14, app/services/onboarding.py), on SQLite and
PostgreSQL: checked, then written all at once or not at all; a re-import changes nothing."""

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import func, select

from app.domain import onboarding as rules
from app.models import Building, Owner, Ownership, Unit
from app.services.onboarding import onboard

UNITS = [
    ["A", "2", "2-1-101", 88.5, "住宅", None],
    ["A", "2", "2-1-102", "90.00", "residential", None],
    ["A", "1", "1-1-103", 70, "商业", None],
]
OWNERS = [
    ["A", None, "2-1-101", "王小明", 13800001111, None, date(2025, 1, 1)],
    ["A", "2", "2-1-102", "李娜", "13800002222", "11010519491231002X", "2025-03-01"],
]


def header(key: str) -> list:
    return rules.template_rows()[key][0]


def workbook(**sheets: list[list]) -> bytes:
    """A workbook of the given sheets (by key), each under the template's header."""
    book = Workbook()
    book.remove(book.active)
    for key, rows in sheets.items():
        sheet = book.create_sheet(rules.SHEETS[key].zh)
        sheet.append(header(key))
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts(db) -> list[int]:
    return [
        db.scalar(select(func.count()).select_from(m)) for m in (Building, Unit, Owner, Ownership)
    ]


def test_a_file_is_checked_then_written_and_a_reimport_changes_nothing(db):
    before = counts(db)
    data = workbook(units=UNITS, owners=OWNERS)
    report = onboard(db, data)
    assert report.ok, report.problems
    assert (dict(report.rows), dict(report.created)) == (
        {"units": 3, "owners": 2},
        {"buildings": 1, "units": 3, "owners": 2, "ownerships": 2},
    )
    db.commit()
    assert counts(db) == [before[0] + 1, before[1] + 3, before[2] + 2, before[3] + 2]
    unit = db.scalar(select(Unit).where(Unit.code == "2-1-101"))
    assert (unit.area, unit.property_type, unit.building.code) == (
        Decimal("88.50"),
        "residential",
        "2",
    )
    owner = unit.ownerships[0].owner
    assert (owner.name, owner.phone, unit.ownerships[0].start_date) == (
        "王小明",
        "13800001111",
        date(2025, 1, 1),
    )
    again = onboard(db, data)
    assert again.ok and not again.created and not again.updated
    db.rollback()
    assert counts(db) == [before[0] + 1, before[1] + 3, before[2] + 2, before[3] + 2]


def test_a_changed_row_is_an_update(db):
    onboard(db, workbook(units=UNITS, owners=OWNERS))
    db.commit()
    changed = [row.copy() for row in UNITS]
    changed[0][3] = "89.00"
    phones = [row.copy() for row in OWNERS]
    phones[1][4] = "13900002222"
    report = onboard(db, workbook(units=changed, owners=phones))
    assert report.ok and dict(report.updated) == {"units": 1, "owners": 1}
    assert not report.created


def test_a_new_owner_ends_the_previous_one(db):
    onboard(db, workbook(units=UNITS, owners=OWNERS))
    db.commit()
    sold = [["A", "2", "2-1-101", "赵六", "13700003333", None, "2026-02-01"]]
    report = onboard(db, workbook(owners=sold))
    assert report.ok and report.created["ownerships"] == 1 and report.updated["ownerships"] == 1
    unit = db.scalar(select(Unit).where(Unit.code == "2-1-101"))
    assert [(o.owner.name, o.start_date, o.end_date) for o in unit.ownerships] == [
        ("王小明", date(2025, 1, 1), date(2026, 1, 31)),
        ("赵六", date(2026, 2, 1), None),
    ]
    earlier = [["A", "2", "2-1-101", "钱七", "13700004444", None, "2025-06-01"]]
    assert [p.column for p in onboard(db, workbook(owners=earlier)).problems] == ["since"]


def test_bad_rows_are_named_by_sheet_row_and_column_and_nothing_is_written(db):
    db.commit()
    before = counts(db)
    units = [*UNITS, ["Z", "1", "9-9-901", 80, "住宅", None], UNITS[0]]
    owners = [
        ["A", "2", "2-1-101", "王小明", "1380000111", None, "2025-01-01"],  # 10 digits
        ["A", "2", "2-1-102", "李娜", "13800002222", "110105194912310021", "2025-03-01"],
    ]
    report = onboard(db, workbook(units=units, owners=owners))
    where = {(p.sheet, p.row, p.column) for p in report.problems}
    assert ("units", 5, "community") in where  # Z is no community
    assert ("units", 6, "unit") in where or ("units", 6, "") in where  # 2-1-101 twice
    assert ("owners", 2, "phone") in where and ("owners", 3, "id_number") in where
    assert rules.UNKNOWN_COMMUNITY in {p.message for p in report.problems}
    db.rollback()
    assert counts(db) == before


def test_a_csv_file_is_one_sheet(db):
    text = ",".join(header("units")) + "\nA,3,3-1-101,75.5,住宅,\n"
    report = onboard(db, text.encode("utf-8"), csv_sheet="房屋")
    assert report.ok and report.created["units"] == 1
    assert not onboard(db, text.encode("utf-8")).ok  # a CSV file must say its sheet
