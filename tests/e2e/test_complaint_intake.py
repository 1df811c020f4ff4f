"""The complaint intake form in a real browser: the unit search fills the form as one types
(the script runs under the page's content-security nonce, no CDN)."""

import pytest
from sqlalchemy import select

from app.models import Complaint

pytestmark = pytest.mark.browser


def test_the_unit_search_fills_the_form_as_one_types(page, server_url, sign_in, session):
    sign_in(page, "CustomerService")
    page.goto(f"{server_url}/complaints/new/")
    page.type("#search", "业主乙")
    page.click("#complaint_units a")  # community A's only: B is not this user's
    assert (page.input_value("#unit"), page.input_value("#owner")) == ("2", "2")
    assert "13912345679" in page.inner_text("#complaint_unit_chosen")
    page.select_option("#category", "greening")
    page.fill("#description", "草坪被踩坏")
    page.click("#wuye_form button[type=submit]")
    page.wait_for_url("**/complaintview/show/**")
    session.rollback()
    assert session.scalar(select(Complaint.unit_id).where(Complaint.category == "greening")) == 2
