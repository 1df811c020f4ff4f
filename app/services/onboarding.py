"""Moving in (docs/domain.md §14): a company's spreadsheet of units, owners, opening arrears and
prepaid amounts checked against the rules and the database, then written all at once or not at
all.

``onboard`` reads every sheet (app/domain/onboarding_files.py), checks each cell and each sheet
(app/domain/onboarding.py), then plans each row against what the database holds: a building
that does not exist is created, a unit or an owner that exists is left alone or, when the file
says something else of it (its area, the owner's phone), updated; the money becomes bills and
payments (``app.services.opening_balances``). The plan is written in the caller's session; the
caller commits it only when it was asked to and no problem was found (the CLI and the screen
roll it back otherwise), so a file with one bad row writes nothing.

Re-importing the same file finds every row as it is: nothing is created or updated twice.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain import onboarding as rules
from app.domain.onboarding import Problem
from app.domain.onboarding_files import UnreadableFile, read_sheets
from app.models import Building, Community, Owner, Ownership, Unit
from app.services import opening_balances

#: Messages of this module's own checks (the edges translate them, as the domain's).
UNKNOWN_SHEET = "unknown sheet"
UNREADABLE = "the file cannot be read"
LATER_OWNER = "the unit has an owner from a later date"
MONEY_SHEETS = ("opening_arrears", "prepaid")
MESSAGES = (UNKNOWN_SHEET, UNREADABLE, LATER_OWNER, *opening_balances.MESSAGES)


@dataclass
class Report:
    """What an import found (``problems``: nothing may be written) and what it created and
    updated, by kind ("buildings", "units", "owners", "ownerships", "bills", "prepaid")."""

    rows: Counter = field(default_factory=Counter)  # by sheet key
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def onboard(
    session: Session,
    data: bytes,
    csv_sheet: str | None = None,
    now: datetime | None = None,
    actor: str = "system",
) -> Report:
    """Check ``data`` (a workbook, or a CSV file holding the sheet ``csv_sheet``) and write
    what it holds into ``session`` (see the module's docstring: the caller commits or rolls
    back). ``now`` is the import's instant (a prepaid amount is recorded then, by ``actor``)."""
    report = Report()
    sheets: dict[str, list[tuple[int, dict]]] = {}
    try:
        for title, rows in read_sheets(data, csv_sheet):
            sheet = rules.sheet_named(title)
            if sheet is None:
                report.problems.append(Problem(title, 1, "", UNKNOWN_SHEET))
                continue
            sheets[sheet.key] = _read(sheet, rows, report)
    except UnreadableFile:
        report.problems.append(Problem(csv_sheet or "", 0, "", UNREADABLE))
        return report
    for key, read in sheets.items():
        report.problems += rules.sheet_problems(rules.SHEETS[key], read)
    _Plan(session, report).write(sheets, now or datetime.now(UTC), actor)
    return report


def _read(sheet: rules.Sheet, rows, report: Report) -> list[tuple[int, dict]]:
    """The sheet's rows read by its header (row 1); blank rows skipped."""
    read: list[tuple[int, dict]] = []
    columns = None
    for number, cells in rows:
        if columns is None:
            columns, problems = rules.read_header(sheet, cells)
            report.problems += problems
            continue
        if rules.is_blank(cells):
            continue
        values, problems = rules.read_row(sheet, number, cells, columns)
        report.problems += problems
        if not problems:
            read.append((number, values))
        report.rows[sheet.key] += 1
    return read


class _Plan:
    """The rows of a file laid over the database, written into the session as they go."""

    def __init__(self, session: Session, report: Report):
        self.session = session
        self.report = report
        # unscoped: moving in is the administrator's, for every community
        self.communities = {c.code: c for c in session.scalars(select(Community))}
        self.buildings: dict[tuple[int, str], Building] = {}
        self.units: dict[tuple[int, str, str], Unit] = {}
        self.by_code: dict[tuple[int, str], list[Unit]] = {}
        ids = [c.id for c in self.communities.values()]
        # unscoped: the same, every community's buildings and units (ownerships with them)
        for building in session.scalars(select(Building).where(Building.community_id.in_(ids))):
            self.buildings[building.community_id, building.code] = building
        every = select(Unit).join(Building)  # unscoped: as above, with their ownerships
        for unit in session.scalars(every.options(selectinload(Unit.ownerships))):
            self._know(unit.building.community_id, unit.building.code, unit)

    def _know(self, community_id: int, building_code: str, unit: Unit) -> None:
        """Remember ``unit`` (a new one has no ids yet: its community's is given)."""
        self.units[community_id, building_code, unit.code] = unit
        self.by_code.setdefault((community_id, unit.code), []).append(unit)

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        self.report.problems.append(Problem(sheet, row, column, message))

    def write(self, sheets: dict[str, list[tuple[int, dict]]], now: datetime, actor: str):
        for number, row in sheets.get("units", []):
            self.unit_row(number, row)
        for number, row in sheets.get("owners", []):
            self.owner_row(number, row)
        money = {key: self.with_units(key, sheets.get(key, [])) for key in MONEY_SHEETS}
        self.session.flush()  # new units and owners get their ids
        balances = opening_balances.OpeningBalances(
            self.session, self.problem, (self.report.created, self.report.updated), now, actor
        )
        balances.arrears(money["opening_arrears"])
        balances.prepaid(money["prepaid"])
        self.session.flush()

    def with_units(self, sheet: str, rows: list[tuple[int, dict]]) -> list:
        """The rows whose unit is found, each with its unit (the others are problems)."""
        return [(n, row, unit) for n, row in rows if (unit := self.unit_of(sheet, n, row))]

    def community(self, sheet: str, number: int, row: dict) -> Community | None:
        community = self.communities.get(row["community"])
        if community is None:
            self.problem(sheet, number, "community", rules.UNKNOWN_COMMUNITY)
        return community

    def unit_row(self, number: int, row: dict) -> None:
        community = self.community("units", number, row)
        if community is None:
            return
        building = self.buildings.get((community.id, row["building"]))
        if building is None:
            building = Building(community=community, code=row["building"], name=row["building"])
            self.session.add(building)
            self.buildings[community.id, row["building"]] = building
            self.report.created["buildings"] += 1
        unit = self.units.get((community.id, row["building"], row["unit"]))
        shown = {
            "area": row["area"],
            "property_type": row["property_type"],
            **({"status": row["status"]} if row.get("status") else {}),
        }
        if unit is None:
            unit = Unit(building=building, code=row["unit"], **shown)
            self.session.add(unit)
            self._know(community.id, row["building"], unit)
            self.report.created["units"] += 1
        elif any(getattr(unit, key) != value for key, value in shown.items()):
            for key, value in shown.items():
                setattr(unit, key, value)
            self.report.updated["units"] += 1

    def unit_of(self, sheet: str, number: int, row: dict) -> Unit | None:
        """The unit a row names by community, unit code and (when the code repeats across the
        community's buildings) building."""
        community = self.community(sheet, number, row)
        if community is None:
            return None
        if row.get("building"):
            unit = self.units.get((community.id, row["building"], row["unit"]))
            found = [unit] if unit is not None else []
        else:
            found = self.by_code.get((community.id, row["unit"]), [])
        if len(found) != 1:
            message = rules.AMBIGUOUS_UNIT if found else rules.UNKNOWN_UNIT
            self.problem(sheet, number, "unit", message)
            return None
        return found[0]

    def owner_row(self, number: int, row: dict) -> None:
        unit = self.unit_of("owners", number, row)
        if unit is None:
            return
        since: date = row["since"]
        current = next((o for o in unit.ownerships if o.start_date == since), None)
        if current is not None:
            self._update_owner(current.owner, row)
            return
        if any(o.start_date > since for o in unit.ownerships):
            self.problem("owners", number, "since", LATER_OWNER)
            return
        owner = Owner(
            community=unit.building.community,
            name=row["name"],
            phone=row.get("phone") or "",
            id_number=row.get("id_number") or "",
        )
        self.session.add(owner)
        self.report.created["owners"] += 1
        for previous in unit.ownerships:
            if previous.end_date is None or previous.end_date >= since:
                previous.end_date = since - timedelta(days=1)
                self.report.updated["ownerships"] += 1
        ownership = Ownership(unit=unit, owner=owner, start_date=since)
        self.session.add(ownership)
        self.report.created["ownerships"] += 1

    def _update_owner(self, owner: Owner, row: dict) -> None:
        """The owner a row finds already there: its name, phone and ID number as the file
        says (an empty cell keeps what is known)."""
        wanted = {key: row[key] for key in ("name", "phone", "id_number") if row.get(key)}
        if any(getattr(owner, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(owner, key, value)
            self.report.updated["owners"] += 1
