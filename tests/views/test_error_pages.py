"""Error pages in the back office's layout and language (app/errors.py, error_page); the API's
errors stay JSON."""

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Bill
from app.services.billing import run_billing


@pytest.fixture
def bill_id(session) -> int:
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    return session.scalar(select(Bill.id).where(Bill.community_id == 1))


def test_an_unknown_page_says_so_in_chinese_inside_the_layout(login):
    page = login("Finance").get("/no-such-page/")
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and 'id="error_page"' in html
    assert "页面不存在" in html and "Not Found" not in html
    assert 'class="navbar' in html  # the menu is there to go on from


def test_a_step_the_role_may_not_take_is_refused_in_chinese(login, bill_id):
    client = login("Finance")  # may read bills, may not request a waiver
    page = client.get(f"/requestwaiverview/{bill_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "无权执行此操作" in html and "Forbidden" not in html
    show = client.get(f"/billview/show/{bill_id}").get_data(as_text=True)
    assert "申请减免" not in show  # and the bill's page does not offer it
    service = login("CustomerService").get(f"/billview/show/{bill_id}").get_data(as_text=True)
    assert "申请减免" in service


def test_the_api_answers_its_errors_as_json(client):
    answer = client.get("/api/v1/no-such-resource/")
    assert answer.status_code == 404 and answer.is_json
