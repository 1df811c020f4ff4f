"""What waits for a manager's decision (app/services/approvals.py): the dashboard's box."""

from datetime import date

from sqlalchemy import select

from app.models import Bill
from app.services.approvals import awaiting_decision
from app.services.billing import run_billing
from app.services.waivers import approve_waiver, request_waiver


def test_requested_waivers_wait_in_their_community_until_decided(db):
    run_billing(db, date(2026, 3, 1), community_id=1)
    bills = db.scalars(select(Bill).where(Bill.community_id == 1)).all()
    waivers = [
        request_waiver(db, bill.id, "principal", "10", "hardship", actor="service")
        for bill in bills[:2]
    ]
    assert awaiting_decision(db, {1}).waivers == 2
    assert awaiting_decision(db, None).total == 2  # None: every community
    assert awaiting_decision(db, {2}).total == 0  # not the other community's
    approve_waiver(db, waivers[0].id, actor="manager")
    assert awaiting_decision(db, {1}).waivers == 1


def test_the_manager_sees_them_on_the_dashboard(login, session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    bill = session.scalars(select(Bill).where(Bill.community_id == 1)).first()
    request_waiver(session, bill.id, "principal", "10", "hardship", actor="service")
    session.commit()
    page = login("Manager").get("/dashboard/").get_data(as_text=True)
    box = page[page.index('id="awaiting_decision"') :]
    box = box[: box.index('id="headline"')]
    assert "待我审批" in box and '<span class="badge">1</span>' in box
    assert "_flt_0_status=requested" in box
    auditor = login("Auditor").get("/dashboard/").get_data(as_text=True)
    assert 'id="awaiting_decision"' not in auditor  # decides nothing
