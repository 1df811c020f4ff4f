"""Billing screens: the run form (real and preview), runs, bills with their lines, the menu."""

import re
from datetime import date

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select

from app.models import Bill, BillingRun, StaffAssignment, Unit
from app.services.billing import run_billing
from tests.conftest import USERNAMES
from tests.views.test_forms import flashes

FORM = "/billingrunformview/start"
MARCH = {"period": "2026-03", "community": "1"}


def counts(session):
    session.rollback()
    return [session.scalar(select(func.count()).select_from(m)) for m in (Bill, BillingRun)]


def text_of(page) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", page.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_finance_starts_a_run_and_lands_on_it(login, session):
    client = login("Finance")
    response = client.post(FORM, data=MARCH)
    run = session.scalar(select(BillingRun))
    assert response.headers["Location"] == f"/billingrunview/show/{run.id}"
    assert counts(session) == [2, 1]
    page = client.get(response.headers["Location"])
    assert "410.00" in flashes(page) and "测试Finance" in text_of(page)  # who ran it, by name


def test_a_preview_lists_the_figures_and_failures_and_writes_nothing(login, session):
    unit = session.get(Unit, 2)
    unit.ownerships[0].end_date = date(2026, 2, 28)  # 1-1-102 has no paying owner in March
    session.commit()
    page = login("Finance").post(FORM, data=MARCH | {"dry_run": "y"})
    preview = text_of(page).split("尚未写入", 1)[-1]  # the preview panel, below the form
    assert "203.75" in preview and "1-1-102" in preview and "无缴费业主" in preview
    assert counts(session) == [0, 0]


@pytest.mark.parametrize(
    "data",
    [
        MARCH | {"period": "2026-13"},
        MARCH | {"period": ""},
        MARCH | {"community": "2"},  # community B is not offered to staff of A
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_written(login, session, data):
    page = login("Finance").post(FORM, data=data)
    assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)
    assert counts(session) == [0, 0]


def test_the_community_choice_follows_the_scope(login):
    def options(role):
        page = login(role).get(FORM).get_data(as_text=True)
        return re.findall(r'<option[^>]*value="(\d*)"', page)

    assert options("Finance") == ["1"]
    assert options("Admin") == ["", "1", "2"]  # "" = every community


def test_staff_of_several_communities_bill_all_of_theirs_at_once(login, session):
    finance = session.scalar(select(User).where(User.username == USERNAMES["Finance"]))
    session.add(StaffAssignment(user_id=finance.id, community_id=2))
    session.commit()
    client = login("Finance")
    page = client.get(FORM).get_data(as_text=True)
    assert re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]*)', page)[0] == (
        "",
        "我的全部小区（2）",
    )
    preview = client.post(FORM, data={"period": "2026-03", "community": "", "dry_run": "y"})
    assert "820.00" in text_of(preview) and counts(session) == [0, 0]  # 2 × 410.00
    response = client.post(FORM, data={"period": "2026-03", "community": ""})
    assert response.headers["Location"] == "/billingrunview/list/"
    assert counts(session) == [4, 2]  # a run for each community, in one transaction
    runs = session.scalars(select(BillingRun.community_id).order_by(BillingRun.id)).all()
    assert runs == [1, 2]
    assert "820.00" in flashes(client.get(response.headers["Location"]))


@pytest.fixture
def billed(session):
    run_billing(session, date(2026, 3, 1), actor="tests")
    session.commit()


def test_the_bills_list_shows_chinese_status_labels_and_own_bills(login, session, billed):
    session.execute(Bill.__table__.update().where(Bill.unit_id == 1).values(status="partial"))
    session.commit()
    page = text_of(login("Finance").get("/billview/list/"))
    assert "部分缴费" in page and "未缴" in page
    assert not re.search(r"\b(open|partial)\b", page)
    assert "A-202603-" in page and "B-202603-" not in page


def test_a_bill_shows_its_lines(login, session, billed):
    bill = session.scalar(select(Bill).where(Bill.unit_id == 1))
    page = text_of(login("CustomerService").get(f"/billview/show/{bill.id}"))
    assert "账单明细" in page and "物业服务费" in page and "203.75" in page


def test_the_bills_list_filters_by_status(login, session, billed):
    session.execute(Bill.__table__.update().where(Bill.unit_id == 1).values(status="paid"))
    session.commit()
    page = text_of(login("Admin").get("/billview/list/?_flt_0_status=paid"))
    assert "A-202603-" in page and page.count("202603-") == 1


# y may open the screen, - may not.
SCREENS = {
    "/billingrunformview/start": "y - y - - -",
    "/billingrunview/list/": "y y y - - y",
    "/billview/list/": "y y y y - y",
}
ROLES = ("Admin", "Manager", "Finance", "CustomerService", "Collector", "Auditor")


@pytest.mark.parametrize("path", SCREENS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_billing_screens(login, path, role):
    allowed = SCREENS[path].split()[ROLES.index(role)] == "y"
    client = login(role)
    assert client.get(path).status_code == (200 if allowed else 403)
    menu = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert (path.split("/")[1] in menu) is allowed


@pytest.mark.parametrize(
    "path",
    [
        "/billview/add",
        "/billview/edit/1",
        "/billview/delete/1",
        "/billingrunview/add",
        "/billlineview/edit/1",
    ],
)
def test_bills_and_runs_cannot_be_edited_on_screens(login, billed, path):
    assert login("Admin").get(path).status_code == 404
