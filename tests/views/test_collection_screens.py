"""Collection screens: a manager creates a campaign and prints task sheets; a collector works
through "My tasks today" and records contacts; who may open what."""

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import delete, func, select

from app.clock import business_date
from app.models import CollectionCampaign, CollectionTask, ContactAttempt, StaffAssignment
from tests.collection import bill_first_quarter, staff_ids, start_campaign, user_id
from tests.reports import pdf


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


@pytest.fixture
def billed(session):
    bill_first_quarter(session)


@pytest.fixture
def staff(session):
    return staff_ids(session)


@pytest.fixture
def campaign(session):
    return start_campaign(session)


def test_a_manager_creates_a_campaign_from_the_form(login, session, billed, staff):
    client = login("Manager")
    form = client.get("/collection/new/").get_data(as_text=True)
    assert 'name="first_contact_days"' in form and 'value="3"' in form
    assert "(collector)" in form and "(customerservice)" in form
    response = client.post(
        "/collection/new/",
        data={
            "community": "1",
            "name": "三月清欠",
            "staff": [str(s) for s in staff],
            "min_days_overdue": "30",
            "min_amount": "",
            "first_contact_days": "3",
        },
    )
    session.rollback()
    campaign = session.scalar(select(CollectionCampaign))
    assert response.status_code == 302
    assert response.location.endswith(f"/collection/campaign/{campaign.id}")
    assert (campaign.created_by, len(campaign.tasks)) == ("manager", 2)
    report = client.get(response.location).get_data(as_text=True)
    assert "三月清欠" in report
    assert f"/collection/campaign/{campaign.id}/sheet/{staff[0]}" in report


def test_a_campaign_without_staff_is_refused_and_nothing_written(app, login, session, billed):
    page = login("Manager").post(
        "/collection/new/",
        data={
            "community": "1",
            "name": "三月清欠",
            "min_days_overdue": "1",
            "first_contact_days": "3",
        },
        follow_redirects=True,
    )
    with app.test_request_context(), force_locale("zh"):  # the screens' language
        why = gettext("Choose at least one staff member to do the collecting.")
    assert why in flashes(page)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CollectionCampaign)) == 0


@pytest.mark.parametrize(
    ("role", "form", "campaigns", "tasks", "mine"),
    [
        ("Admin", 200, 200, 200, 200),
        ("Manager", 200, 200, 200, 403),
        ("Finance", 403, 200, 403, 403),
        ("CustomerService", 403, 200, 200, 200),
        ("Collector", 403, 403, 200, 200),
        ("Auditor", 403, 200, 200, 403),
    ],
)
def test_who_opens_which_screen(login, campaign, role, form, campaigns, tasks, mine):
    client = login(role)
    assert client.get("/collection/new/").status_code == form
    assert client.get("/collectioncampaignview/list/").status_code == campaigns
    assert client.get(f"/collection/campaign/{campaign}").status_code == campaigns
    assert client.get("/collectiontaskview/list/").status_code == tasks
    assert client.get("/collection/my-tasks/").status_code == mine


def test_my_tasks_today_shows_only_mine_with_the_phone(login, campaign):
    page = login("Collector").get("/collection/my-tasks/").get_data(as_text=True)
    assert "1-1-102" in page and "13912345679" in page
    assert "1-1-101" not in page and "13812345678" not in page
    tasks = login("Manager").get("/collectiontaskview/list/").get_data(as_text=True)
    assert "139****5679" in tasks and "13912345679" not in tasks


def test_a_collector_taken_off_a_community_no_longer_sees_its_tasks(login, session, campaign):
    """Its tasks there are refused when opened; the list of the day leaves them out too."""
    session.execute(
        delete(StaffAssignment).where(StaffAssignment.user_id == user_id(session, "collector"))
    )
    session.commit()
    page = login("Collector").get("/collection/my-tasks/").get_data(as_text=True)
    assert "1-1-102" not in page and "13912345679" not in page
    assert f"/collection/my-tasks/sheet/{campaign}" not in page


def test_the_contact_form_says_whom_and_how_much(login, session, campaign):
    task = session.scalar(select(CollectionTask).where(CollectionTask.unit_id == 2))
    page = login("Collector").get(f"/contactformview/{task.id}").get_data(as_text=True)
    summary = page[page.index('id="task_summary"') : page.index("</table>")]
    assert "1-1-102" in summary and task.owner.name in summary
    assert "13912345679" in summary  # its own task: the phone to call
    assert str(task.arrears_at_start) in summary and "今日应缴" in summary


def test_a_collector_records_a_contact_and_the_task_moves_on(login, session, campaign):
    task_id = session.scalar(select(CollectionTask.id).where(CollectionTask.unit_id == 2))
    client = login("Collector")
    promised = business_date() + timedelta(days=3)
    response = client.post(
        f"/contactformview/{task_id}",
        data={
            "channel": "phone",
            "outcome": "promised",
            "promised_date": promised.isoformat(),
            "promised_amount": "300.00",
            "note": "下周三交",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/collection/my-tasks/")
    session.rollback()
    task = session.get(CollectionTask, task_id)
    assert (task.status, task.next_action, task.next_due) == (
        "promised",
        "remind_before_promise",
        promised - timedelta(days=1),
    )
    assert "1-1-102" not in client.get("/collection/my-tasks/").get_data(as_text=True)


def test_a_refusal_without_reason_is_refused_and_a_collector_cannot_touch_others(
    login, session, campaign
):
    own, other = (
        session.scalar(select(CollectionTask.id).where(CollectionTask.unit_id == unit))
        for unit in (2, 1)
    )
    client = login("Collector")
    page = client.post(f"/contactformview/{own}", data={"channel": "visit", "outcome": "refused"})
    assert page.status_code == 200 and flashes(page)
    client.post(f"/contactformview/{other}", data={"channel": "phone", "outcome": "away"})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ContactAttempt)) == 0
    assert client.get(f"/collectiontaskview/show/{other}").status_code in (302, 404)


def test_task_sheets_print_the_units_with_phones_only_for_their_owner(login, session, campaign):
    collector = user_id(session, "collector")
    sheet = login("Manager").get(f"/collection/campaign/{campaign}/sheet/{collector}")
    assert sheet.mimetype == "application/pdf"
    text = pdf.text(sheet.data)
    assert "1-1-102" in text and "A业主乙" in text and "618.75" in text
    assert "139****5679" in text and "1-1-101" not in text
    assert "清欠任务单" in text or "Collection task sheet" in text
    assert pdf.page_count(sheet.data) == 1
    own = login("Collector").get(f"/collection/my-tasks/sheet/{campaign}")
    assert "13912345679" in pdf.text(own.data)
    finance = user_id(session, "finance")  # holds no task of it
    sheet_of_finance = f"/collection/campaign/{campaign}/sheet/{finance}"
    assert login("Manager").get(sheet_of_finance).status_code == 404


def test_a_manager_closes_a_campaign_from_the_list(login, session, campaign):
    client = login("Manager")
    client.post(
        "/collectioncampaignview/action_post", data={"action": "close", "rowid": [str(campaign)]}
    )
    session.rollback()
    assert session.get(CollectionCampaign, campaign).status == "closed"
    assert (
        login("Collector").get("/collection/my-tasks/").get_data(as_text=True).count("1-1-102") == 0
    )
