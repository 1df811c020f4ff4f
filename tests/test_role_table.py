"""The README's role table is what the application does: every cell, for every role, checked
by real requests to the API and the screens (the probes of tests/roles.py), both ways: what a
cell grants answers, what it does not is refused (403). Changing one without the other fails.
"""

from datetime import UTC, datetime

import pytest

from app.models import JobRun
from app.security.roles import ALL_COMMUNITIES, GRANTS
from tests.collection import start_campaign
from tests.conftest import USERNAMES
from tests.roles import LETTERS, PROBES, RESOURCES, ROLES, readme_table
from tests.supervision import finding, make_check

TABLE = readme_table()


def test_the_readme_table_lists_every_probed_resource_with_known_letters():
    assert list(TABLE) == list(PROBES)
    for row, cells in TABLE.items():
        for role, cell in cells.items():
            letters = set() if cell == "-" else set(cell)
            assert cell and letters <= LETTERS, (row, role, cell)
            assert letters <= set(PROBES[row]), f"{row}, {role}: no request checks {cell}"
            assert "o" not in letters or "r" in letters, (row, role, cell)


def test_every_granted_resource_has_its_row():
    """A resource granted to a role but missing from the table fails (community scope is the
    README's own paragraph)."""
    granted = {resource for grants in GRANTS.values() for resource in grants}
    assert set(RESOURCES) == set(PROBES)
    assert granted - {ALL_COMMUNITIES} <= set().union(*RESOURCES.values())


@pytest.fixture
def world(session):
    """Rows of community A that belong to two people: the campaign's tasks (the collector's
    and customer service's), the rectifications of one check (the collector's and finance's);
    and a failed job (its page offers Retry to whom may retry it)."""
    start_campaign(session)
    make_check(session, finding(session, "collector"), finding(session, "finance"))
    session.add(
        JobRun(
            job_id="failed-1",
            function="jobs.sample",
            args=[],
            queue="default",
            status="failed",
            attempts=3,
            enqueued_at=datetime(2026, 3, 1, tzinfo=UTC),
            error="boom",
        )
    )
    session.commit()


def ask(client, probe, headers):
    headers = headers if probe.url.startswith("/api/") else None
    if probe.method == "POST":
        return client.post(probe.url, json=probe.body, headers=headers)
    return client.get(probe.url, headers=headers)


def dotted(row: dict, column: str):
    """The value of ``column`` (``assignee.username``) in an API list row: FAB nests them."""
    for key in column.split("."):
        row = row[key]
    return row


def mismatch(probe, response, held: bool, username: str) -> str | None:
    """Why ``response`` contradicts the cell (None when it agrees)."""
    if probe.own:
        if response.status_code != 200:
            return None  # a role that may not read the list: the "r" probes say so
        owners = {dotted(row, probe.own) for row in response.json["result"]}
        agrees = owners == {username} if held else len(owners) > 1
        return None if agrees else f"rows of {sorted(owners)}"
    if probe.shows:
        shown = response.status_code == 200 and probe.shows in response.get_data(as_text=True)
        return None if shown is held else f"{probe.shows!r} {'not ' if held else ''}shown"
    expected = probe.status if held else 403
    return None if response.status_code == expected else f"{response.status_code}, not {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_readme_role_table(client, login, api, world, role):
    login(role)
    headers = api(role)
    wrong = []
    for row, letters in PROBES.items():
        cell = TABLE[row][role]
        for letter, probes in letters.items():
            for probe in probes:
                response = ask(client, probe, headers)
                why = mismatch(probe, response, letter in cell, USERNAMES[role])
                if why:
                    wrong.append(f"{row} [{cell}] {letter}: {probe.method} {probe.url}: {why}")
    assert wrong == []
