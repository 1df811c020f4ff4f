"""The Jobs screen: failures with their error, a retry for Admin, read-only for the Auditor."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

import jobs
from app.models import Bill, JobRun
from app.services.billing import run_billing
from jobs.ledger import check_ledger

ROLES = ("Admin", "Manager", "Finance", "CustomerService", "Collector", "Auditor")


@pytest.fixture
def failed_check(session):
    """The nightly check, failed on a tampered bill (embedded mode); the row's id."""
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.execute(update(Bill).where(Bill.id == 1).values(paid=Decimal("1.00")))
    session.commit()
    jobs.enqueue(
        check_ledger,
        "2026-11-23",
        key="ledger-check-2026-11-23-0230",
        description="ledger-check 2026-11-23 02:30",
    )
    assert jobs.wait()
    return session.scalar(select(JobRun.id))


def test_a_failure_is_listed_and_shown_with_its_error(login, failed_check):
    client = login("Admin")
    page = client.get("/jobrunview/list/?_flt_0_status=failed").get_data(as_text=True)
    assert "核对账目" in page and "2026-11-23" in page  # what the job does, and for what
    assert "jobs.ledger" not in page and "ledger-check" not in page  # no code on the screen
    assert "核对账目" not in client.get("/jobrunview/list/?_flt_0_status=finished").get_data(
        as_text=True
    )
    page = client.get(f"/jobrunview/show/{failed_check}").get_data(as_text=True)
    assert "bill 1: paid is 1.00, the allocations give 0.00" in page
    assert "/jobrunview/action/retry/" in page


def test_admin_retries_a_failed_job_from_the_screen(session, login, failed_check):
    session.execute(update(Bill).where(Bill.id == 1).values(paid=Decimal("0.00")))
    session.commit()
    response = login("Admin").post(f"/jobrunview/action/retry/{failed_check}")
    assert response.status_code == 302
    assert jobs.wait()
    session.expire_all()
    row = session.get(JobRun, failed_check)
    assert (row.status, row.attempts, row.enqueued_by) == ("finished", 1, "admin")


def test_the_auditor_reads_but_may_not_retry(session, login, failed_check):
    client = login("Auditor")
    page = client.get(f"/jobrunview/show/{failed_check}").get_data(as_text=True)
    assert "bill 1: paid is" in page
    assert "/jobrunview/action/retry/" not in page
    client.post(f"/jobrunview/action/retry/{failed_check}")
    session.expire_all()
    assert session.get(JobRun, failed_check).status == "failed"


@pytest.mark.parametrize("role", ROLES)
def test_the_jobs_menu_shows_to_admin_and_auditor_only(login, role):
    # Who may open the screen: tests/api/test_permissions.py (SCREEN_MATRIX).
    menu = login(role).get("/").get_data(as_text=True)
    assert ("/jobrunview/list/" in menu) is (role in ("Admin", "Auditor"))


def test_every_job_the_application_queues_is_named(app):
    """The Jobs screen names each job by what it does (app.labels.JOB_KINDS)."""
    from app.labels import JOB_KINDS
    from jobs.schedule import SCHEDULE

    queued = {jobs._path(entry.function) for entry in SCHEDULE} | set(_enqueued())
    assert queued - set(JOB_KINDS) == set() and len(queued) >= 11


def _enqueued():
    """The functions the code passes to ``enqueue`` by name."""
    import ast
    import importlib
    from pathlib import Path

    root = Path(jobs.__file__).resolve().parent
    for path in root.glob("*.py"):
        module = importlib.import_module(f"jobs.{path.stem}" if path.stem != "__init__" else "jobs")
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "enqueue"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and hasattr(module, node.args[0].id)
            ):
                yield jobs._path(getattr(module, node.args[0].id))
