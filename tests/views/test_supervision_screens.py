"""Supervision screens: plans, a check with its findings, the rectification's decisions, the
ledger (整改台账), and who may open what."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.clock import business_date
from app.models import AuditLog, CheckPlan, Rectification, SupervisionCheck
from app.services.supervision import mark_rectified
from tests.collection import user_id
from tests.reports import pdf
from tests.supervision import finding, make_check

TODAY = business_date()


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def rectification_id(session, check_id: int, n: int = 0) -> int:
    return session.get(SupervisionCheck, check_id).findings[n].rectification.id


def test_a_manager_plans_for_its_community_not_company_wide(login, session):
    client = login("Manager")
    plan = {
        "title": "二季度检查计划",
        "cycle": "quarterly",
        "starts_on": "2026-04-01",
        "planned_checks": "6",
        "focus": "消防、电梯、保洁",
    }
    refused = client.post(
        "/checkplanview/add", data=plan | {"community": ""}, follow_redirects=True
    )
    assert "全公司" in flashes(refused) or "company-wide" in flashes(refused)
    session.rollback()
    assert session.scalar(select(CheckPlan.id)) is None
    client.post("/checkplanview/add", data=plan | {"community": "1"})
    session.rollback()
    saved = session.scalar(select(CheckPlan))
    assert (saved.ends_on, saved.created_by) == (date(2026, 6, 30), "manager")
    assert "二季度检查计划" in client.get("/checkplanview/list/").get_data(as_text=True)


def test_a_check_is_recorded_and_a_finding_added_from_its_page(login, session):
    client = login("Manager")
    client.post(
        "/supervisioncheckview/add",
        data={
            "community": "1",
            "kind": "special",
            "checked_on": (TODAY - timedelta(days=2)).isoformat(),
            "inspector": "安全专项组",
            "summary": "消防专项检查",
        },
    )
    session.rollback()
    check = session.scalar(select(SupervisionCheck))
    assert (check.kind, check.recorded_by) == ("special", "manager")
    assert client.get(f"/supervisioncheckview/action/finding/{check.id}").status_code == 302
    form = client.get(f"/addfindingview/{check.id}").get_data(as_text=True)
    assert "(collector)" in form and "(admin)" not in form  # the community's staff only
    too_early = client.post(
        f"/addfindingview/{check.id}",
        data={
            "severity": "critical",
            "description": "灭火器过期",
            "deadline": (TODAY - timedelta(days=3)).isoformat(),
            "responsible": user_id(session, "collector"),
        },
        follow_redirects=True,
    )
    assert "期限" in flashes(too_early) or "deadline" in flashes(too_early).lower()
    client.post(
        f"/addfindingview/{check.id}",
        data={
            "severity": "critical",
            "description": "灭火器过期",
            "deadline": TODAY.isoformat(),
            "responsible": user_id(session, "collector"),
        },
    )
    page = client.get(f"/supervisioncheckview/show/{check.id}").get_data(as_text=True)
    assert "灭火器过期" in page
    assert f"/rectificationview/show/{rectification_id(session, check.id)}" in page


def test_reported_by_the_responsible_person_accepted_by_a_manager(login, session):
    item_id = rectification_id(session, make_check(session, finding(session)))
    collector = login("Collector")
    assert collector.get(f"/rectificationview/action/rectified/{item_id}").status_code == 302
    collector.post(f"/rectifiedview/{item_id}", data={"reason": "堆物已清走"})
    assert collector.get(f"/acceptrectificationview/{item_id}").status_code == 403
    assert login("CustomerService").get(f"/acceptrectificationview/{item_id}").status_code == 403
    manager = login("Manager")
    page = manager.get(f"/rectificationview/show/{item_id}").get_data(as_text=True)
    assert "堆物已清走" in page
    manager.post(f"/acceptrectificationview/{item_id}", data={"reason": "复查合格"})
    session.rollback()
    item = session.get(Rectification, item_id)
    assert (item.status, item.rectified_by, item.accepted_by) == (
        "accepted",
        "collector",
        "manager",
    )


def test_a_rejection_without_a_note_is_refused(login, session):
    item_id = rectification_id(session, make_check(session, finding(session)))
    mark_rectified(session, item_id, "已处理", "collector")
    session.commit()
    page = login("Manager").post(
        f"/rejectrectificationview/{item_id}", data={"reason": ""}, follow_redirects=True
    )
    assert page.status_code == 200
    session.rollback()
    assert session.get(Rectification, item_id).status == "rectified"


@pytest.fixture
def ledger(session):
    """One overdue rectification (the collector's) and one open (finance's)."""
    return make_check(
        session,
        finding(session, deadline_days=-2, text="电梯年检过期"),
        finding(session, "finance", 5, "general", "公告栏破损"),
        days_ago=12,
    )


def rows(page) -> list[str]:
    table = page.get_data(as_text=True).split('id="rectification_ledger"')[1]
    return re.findall(r'/rectificationview/show/\d+">([^<]+)</a>', table)


def test_the_ledger_with_its_filters(login, ledger):
    client = login("Manager")
    page = client.get("/supervision/ledger/")
    assert rows(page) == ["电梯年检过期", "公告栏破损"]
    assert 'class="danger"' in page.get_data(as_text=True)
    assert rows(client.get("/supervision/ledger/?status=open")) == ["公告栏破损"]
    assert rows(client.get("/supervision/ledger/?severity=serious")) == ["电梯年检过期"]
    earlier = (TODAY - timedelta(days=3)).isoformat()
    assert rows(client.get(f"/supervision/ledger/?as_of={earlier}&status=overdue")) == []
    bad = client.get("/supervision/ledger/?as_of=soon")
    assert flashes(bad) and rows(bad) == ["电梯年检过期", "公告栏破损"]


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("Collector", ["电梯年检过期"]),
        ("Finance", ["公告栏破损"]),
        ("Auditor", ["电梯年检过期", "公告栏破损"]),
    ],
)
def test_the_ledger_shows_finance_and_collectors_their_own(login, ledger, role, seen):
    assert rows(login(role).get("/supervision/ledger/")) == seen


SCREENS = {  # y may open the list, - may not
    "/checkplanview/list/": "yy-y-y",
    "/supervisioncheckview/list/": "yy-y-y",
    "/rectificationview/list/": "yyyyyy",
    "/supervision/ledger/": "yyyyyy",
}
ROLES = ("Admin", "Manager", "Finance", "CustomerService", "Collector", "Auditor")


@pytest.mark.parametrize("path", SCREENS)
@pytest.mark.parametrize("role", ROLES)
def test_who_opens_which_screen(login, path, role):
    allowed = SCREENS[path][ROLES.index(role)] == "y"
    assert login(role).get(path).status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role", ["Auditor", "CustomerService", "Finance"])
def test_only_managers_add_checks_and_findings(login, session, role):
    check_id = make_check(session)
    client = login(role)
    assert client.get("/supervisioncheckview/add").status_code == 403
    assert client.get(f"/addfindingview/{check_id}").status_code == 403


def test_a_manager_makes_its_communitys_report_on_the_spot(login):
    client = login("Manager")
    form = client.get("/supervision/report/").get_data(as_text=True)
    assert 'name="period"' in form and 'value=""' not in form  # no company-wide choice
    period = f"{TODAY:%Y-%m}"
    response = client.post("/supervision/report/", data={"period": period, "community": "1"})
    assert response.mimetype == "application/pdf"
    assert f"JC-A-{TODAY:%Y%m}" in pdf.text(response.get_data())
    refused = client.post("/supervision/report/", data={"period": period, "community": "2"})
    assert refused.mimetype == "text/html"


def test_an_auditor_reads_the_company_wide_report(login):
    response = login("Auditor").post(
        "/supervision/report/", data={"period": f"{TODAY:%Y-%m}", "community": ""}
    )
    assert response.mimetype == "application/pdf"
    assert f"JC-ALL-{TODAY:%Y%m}" in pdf.text(response.get_data())


@pytest.mark.parametrize("role", ["Finance", "CustomerService", "Collector"])
def test_other_staff_make_no_report(login, role):
    assert login(role).get("/supervision/report/").status_code == 403


def test_an_auditor_exports_the_ledger_a_collector_does_not(login, session, ledger):
    auditor = login("Auditor")
    assert "/supervision/ledger/export/csv" in auditor.get("/supervision/ledger/").get_data(
        as_text=True
    )
    export = auditor.get("/supervision/ledger/export/csv?status=overdue")
    text = export.get_data().decode("utf-8-sig")
    export.close()
    assert export.status_code == 200
    assert "电梯年检过期" in text and "公告栏破损" not in text
    assert (
        session.scalar(
            select(AuditLog.id).where(
                AuditLog.action == "export", AuditLog.table_name == "rectification_ledger"
            )
        )
        is not None
    )
    collector = login("Collector")
    assert "/export/csv" not in collector.get("/supervision/ledger/").get_data(as_text=True)
    assert collector.get("/supervision/ledger/export/csv").status_code == 403


def test_the_rectification_list_exports_with_its_findings(login, ledger):
    export = login("Auditor").get("/rectificationview/export/csv")
    text = export.get_data().decode("utf-8-sig")
    export.close()
    assert export.status_code == 200
    assert "电梯年检过期" in text and "公告栏破损" in text
