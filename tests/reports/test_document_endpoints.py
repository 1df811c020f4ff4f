"""Receipt and notice PDFs through the API and the screens: permissions and community scope."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.models import Bill, Receipt
from app.services.billing import run_billing
from app.services.bills import cancel_bill
from app.services.payments import record_payment
from tests.reports import pdf

PAID_AT = datetime(2026, 3, 20, 2, tzinfo=UTC)


@pytest.fixture
def documents(session):
    """Ids of a bill and a receipt in community A and in community B."""
    run_billing(session, date(2026, 3, 1))
    ids = {}
    for community, unit_id in (("A", 1), ("B", 3)):
        payment = record_payment(session, unit_id, "1234.50", "cash", paid_at=PAID_AT).payment
        ids[community] = {
            "receipt": payment.receipt.id,
            "bill": session.scalar(select(Bill.id).where(Bill.unit_id == unit_id)),
        }
    session.commit()
    return ids


def api_path(kind: str, pk: int) -> str:
    return f"/api/v1/receipt/{pk}/pdf" if kind == "receipt" else f"/api/v1/bill/{pk}/notice"


@pytest.mark.parametrize(
    ("kind", "shown"), [("receipt", "壹仟贰佰叁拾肆元伍角整"), ("bill", "203.75")]
)
@pytest.mark.parametrize("role", ["Admin", "Finance", "Manager", "CustomerService", "Auditor"])
def test_readers_of_the_row_get_its_pdf(client, api, documents, kind, shown, role):
    response = client.get(api_path(kind, documents["A"][kind]), headers=api(role))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf.text(response.data)
    assert "A业主甲" in text and shown in text


@pytest.mark.parametrize("kind", ["receipt", "bill"])
def test_a_row_outside_the_users_communities_is_404(client, api, documents, kind):
    assert (
        client.get(api_path(kind, documents["B"][kind]), headers=api("Finance")).status_code == 404
    )
    assert client.get(api_path(kind, 999), headers=api("Finance")).status_code == 404
    assert (
        client.get(api_path(kind, documents["B"][kind]), headers=api("Auditor")).status_code == 200
    )  # the auditor sees every community


@pytest.mark.parametrize("kind", ["receipt", "bill"])
def test_roles_that_may_not_read_the_row_are_refused(client, api, documents, kind):
    assert (
        client.get(api_path(kind, documents["A"][kind]), headers=api("Collector")).status_code
        == 403
    )
    assert client.get(api_path(kind, documents["A"][kind])).status_code == 401


def test_no_notice_for_a_cancelled_bill(client, api, session, documents):
    cancel_bill(session, documents["A"]["bill"], "录错面积")
    session.commit()
    response = client.get(api_path("bill", documents["A"]["bill"]), headers=api("Finance"))
    assert response.status_code == 400 and "bill_id" in response.json["message"]


@pytest.mark.parametrize(
    ("view", "action", "kind"),
    [("receiptview", "print", "receipt"), ("billview", "notice", "bill")],
)
def test_the_screens_print_through_an_action(login, documents, view, action, kind):
    client = login("Finance")
    own = documents["A"][kind]
    redirect = client.post(f"/{view}/action/{action}/{own}")
    assert redirect.status_code == 302
    response = client.get(redirect.location)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert pdf.page_count(response.data) == 1
    other = redirect.location.replace(f"/{own}", f"/{documents['B'][kind]}")
    assert client.get(other).status_code == 404


def test_the_receipt_screen_offers_printing(login, session, documents):
    number = session.get(Receipt, documents["A"]["receipt"]).number
    page = login("Finance").get(f"/receiptview/show/{documents['A']['receipt']}")
    assert number in page.get_data(as_text=True)
    assert f"/receiptview/action/print/{documents['A']['receipt']}" in page.get_data(as_text=True)
