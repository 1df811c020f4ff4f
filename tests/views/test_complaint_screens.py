"""Complaint screens: the intake form with its unit search, the list and the overdue list, a
complaint's page with its log and steps, the step forms, and the complaint a refused collection
contact opens; who may open what."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, CollectionTask, Complaint
from app.services.collection_tasks import record_contact
from app.services.complaints import log_complaint
from tests.collection import start_campaign

# Their complaints are received on fixed days of 2026: within the last year of the clock fixture.
pytestmark = pytest.mark.usefixtures("clock")


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def logged(session, unit_id=1, days_ago=0, **kw) -> int:
    """A complaint received ``days_ago`` days ago (committed)."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    complaint = log_complaint(
        session,
        unit_id,
        "phone",
        kw.pop("category", "cleaning"),
        kw.pop("description", "楼道垃圾没人清"),
        received_at=at,
        **kw,
    )
    session.commit()
    return complaint.id


def count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Complaint))


@pytest.mark.parametrize(
    ("role", "intake", "lists", "search"),
    [
        ("Admin", 200, 200, 200),
        ("Manager", 403, 200, 200),
        ("Finance", 403, 403, 403),
        ("CustomerService", 200, 200, 200),
        ("Collector", 403, 403, 403),
        ("Auditor", 403, 200, 200),
    ],
)
def test_who_opens_which_screen(login, role, intake, lists, search):
    client = login(role)
    assert client.get("/complaints/new/").status_code == intake
    assert client.get("/complaintview/list/").status_code == lists
    assert client.get("/overduecomplaintview/list/").status_code == lists
    assert client.get("/complaints/new/units?q=101").status_code == search


def test_the_unit_search_is_scoped_and_masks_phones_for_who_may_not_see_them(login, session):
    found = login("CustomerService").get("/complaints/new/units?q=102").json
    assert found == [
        {
            "unit_id": 2,
            "unit": "1-1-102",
            "community": "A",
            "owner_id": 2,
            "owner": "A业主乙",
            "phone": "13912345679",
        }
    ]  # not community B's
    reveal = session.scalar(select(AuditLog).where(AuditLog.action == "reveal"))
    assert (reveal.username, reveal.table_name) == ("customerservice", "owner")
    by_name = login("Manager").get("/complaints/new/units?q=业主甲").json
    assert [(m["unit"], m["phone"]) for m in by_name] == [("1-1-101", "138****5678")]
    assert login("Auditor").get("/complaints/new/units?q=1-1-101").json[1]["community"] == "B"
    assert login("CustomerService").get("/complaints/new/units?q=1").json == []


def test_a_complaint_is_logged_from_the_picked_unit(login, session):
    client = login("CustomerService")
    form = client.get("/complaints/new/").get_data(as_text=True)
    assert 'id="search"' in form and "/complaints/new/units" in form
    response = client.post(
        "/complaints/new/",
        data={
            "search": "1-1-102",
            "unit": "2",
            "owner": "2",
            "channel": "front_desk",
            "category": "facilities",
            "description": "电梯停了两天",
            "received_at": "2026-03-10T23:30",
            "nonpayment_reason": "y",
        },
    )
    session.rollback()
    complaint = session.scalar(select(Complaint))
    assert response.status_code == 302
    assert response.location.endswith(f"/complaintview/show/{complaint.id}")
    assert (complaint.unit_id, complaint.owner_id, complaint.channel, complaint.category) == (
        2,
        2,
        "front_desk",
        "facilities",
    )
    assert complaint.received_at == datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    assert (complaint.logged_by, complaint.nonpayment_reason) == ("customerservice", True)
    assert "2026-03-17" in flashes(client.get(response.location))


def test_typing_a_unique_unit_code_is_enough_and_an_ambiguous_one_is_refused(login, session):
    client = login("CustomerService")
    data = {"channel": "phone", "category": "neighbours", "description": "楼上装修太吵"}
    ambiguous = client.post("/complaints/new/", data=data | {"search": "1-1-1"})
    assert ambiguous.status_code == 200 and flashes(ambiguous)
    assert count(session) == 0
    response = client.post("/complaints/new/", data=data | {"search": "1-1-101"})
    assert response.status_code == 302
    assert session.scalar(select(Complaint.unit_id)) == 1


def test_a_complaints_page_shows_its_log_and_the_steps_the_user_may_take(login, session):
    pk = logged(session)

    def steps(role: str) -> list[str]:
        page = login(role).get(f"/complaintview/show/{pk}").get_data(as_text=True)
        return re.findall(rf'href="/(\w+)/{pk}"', page)

    assert steps("CustomerService") == [
        "acknowledgecomplaintview",
        "assigncomplaintview",
        "notecomplaintview",
        "nonpaymentreasonview",
    ]
    assert steps("Manager") == ["assigncomplaintview"]
    assert steps("Auditor") == []
    page = login("CustomerService").get(f"/complaintview/show/{pk}").get_data(as_text=True)
    assert 'id="complaint_log"' in page and "楼道垃圾没人清" in page
    log = page[page.index('id="complaint_log"') :]
    assert "<td>系统</td>" in log[: log.index("</table>")]  # who: the system, in Chinese


def test_the_step_forms_move_the_complaint_on(login, session):
    pk = logged(session)
    client = login("CustomerService")
    assert (
        client.post(f"/acknowledgecomplaintview/{pk}", data={"note": "已致电业主"}).status_code
        == 302
    )
    client.post(f"/startcomplaintview/{pk}", data={})
    refused = client.post(f"/resolvecomplaintview/{pk}", data={"note": ""})
    assert refused.status_code == 200 and flashes(refused)
    client.post(f"/resolvecomplaintview/{pk}", data={"note": "已清理"})
    visit = client.get(f"/returnvisitview/{pk}").get_data(as_text=True)
    assert visit.index('name="score"') < visit.index('name="note"')  # the required one first
    closed = client.post(f"/returnvisitview/{pk}", data={"score": "4", "note": "满意"})
    assert closed.status_code == 302 and closed.location.endswith(f"/complaintview/show/{pk}")
    session.rollback()
    complaint = session.get(Complaint, pk)
    assert (complaint.status, complaint.satisfaction) == ("closed", 4)
    assert [e.action for e in complaint.entries] == [
        "logged",
        "acknowledge",
        "start",
        "resolve",
        "return_visit",
    ]
    assert login("Manager").post(f"/acknowledgecomplaintview/{pk}", data={}).status_code == 403


def test_assigning_and_marking_from_the_forms(login, session):
    pk = logged(session)
    form = login("Manager").get(f"/assigncomplaintview/{pk}").get_data(as_text=True)
    assert "(customerservice)" in form and "(collector)" not in form  # only who may work on it
    user = re.search(r'value="(\d+)"[^>]*>[^<]*\(customerservice\)', form).group(1)
    assert (
        login("Manager").post(f"/assigncomplaintview/{pk}", data={"assignee": user}).status_code
        == 302
    )
    login("CustomerService").post(f"/nonpaymentreasonview/{pk}", data={"marked": "1"})
    session.rollback()
    complaint = session.get(Complaint, pk)
    assert (complaint.assignee.username, complaint.nonpayment_reason) == ("customerservice", True)


def test_the_overdue_list_shows_what_missed_a_deadline(login, session):
    late = logged(session, days_ago=2, description="门禁坏了两天")
    logged(session, unit_id=2, description="刚打来的电话")
    page = login("Manager").get("/overduecomplaintview/list/").get_data(as_text=True)
    assert re.findall(r'href="/overduecomplaintview/show/(\d+)"', page) == [str(late)]
    assert "138****5678" in page and "139****5679" not in page  # masked, and not the fresh one
    every = login("Manager").get("/complaintview/list/").get_data(as_text=True)
    assert "138****5678" in every and "139****5679" in every


def test_a_refused_task_opens_its_complaint(login, session):
    start_campaign(session)
    task = session.scalar(select(CollectionTask).where(CollectionTask.unit_id == 1))
    record_contact(session, task.id, "phone", "refused", refusal_reason="电梯长期故障")
    session.commit()
    client = login("CustomerService")
    response = client.post(
        f"/complaintfromtaskview/{task.id}",
        data={"category": "facilities", "channel": "phone", "description": ""},
    )
    session.rollback()
    complaint = session.scalar(select(Complaint))
    assert response.location.endswith(f"/complaintview/show/{complaint.id}")
    assert (complaint.description, complaint.nonpayment_reason) == ("电梯长期故障", True)
    task = session.get(CollectionTask, task.id)
    assert (task.complaint_id, task.complaint_needed) == (complaint.id, False)
    again = client.post(
        f"/complaintfromtaskview/{task.id}", data={"category": "facilities", "channel": "phone"}
    )
    assert again.status_code == 200 and flashes(again)
    assert login("Collector").get(f"/complaintfromtaskview/{task.id}").status_code == 403
