"""Payments through the API: wiring, status codes, permissions (rules: services tests)."""

import pytest
from sqlalchemy import func, select

from app.models import Payment, Receipt
from app.services.billing import run_billing

MARCH_20 = "2026-03-20T10:00:00+08:00"


@pytest.fixture
def billed(session):
    from datetime import date

    run_billing(session, date(2026, 3, 1))
    session.commit()


def pay(client, api, role="Finance", **body):
    payload = {"unit_id": 1, "amount": "203.75", "method": "wechat", "paid_at": MARCH_20} | body
    return client.post("/api/v1/payment/", json=payload, headers=api(role))


def test_a_payment_is_allocated_and_receipted(client, api, billed):
    response = pay(client, api, amount="250.00", reference="4200000001")
    assert response.status_code == 201, response.json
    assert response.json["receipt_number"] == "A-2026-000001"
    assert response.json["allocations"] == [{"bill_id": 1, "amount": "203.75"}]
    assert response.json["credit"] == "46.25"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"unit_id": 999}, "unit_id"),
        ({"unit_id": 3}, "unit_id"),
        ({"method": "cheque"}, "method"),
        ({"paid_at": "yesterday"}, "paid_at"),
        ({"paid_at": "9999-12-31T23:59:59+08:00"}, "paid_at"),
        ({"paid_at": "0001-01-01"}, "paid_at"),
        ({"paid_at": "2030-01-01"}, "paid_at"),
        ({"paid_at": "1999-12-31T10:00"}, "paid_at"),
        ({"amount": "999999999999.99"}, "amount"),
        ({"amount": "1e-2"}, "amount"),
        ({"amount": 1e-05}, "amount"),
        ({"amount": "１２e1"}, "amount"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    client, api, session, billed, body, field
):
    response = pay(client, api, **body)  # unit 3 is in community B: outside Finance's scope
    assert response.status_code == 400 and field in response.json["message"]
    session.rollback()
    assert session.scalar(select(func.count(Payment.id))) == 0


def test_a_plain_day_or_a_time_without_offset_is_read_in_shanghai_and_full_width_digits_too(
    client, api, session, billed
):
    response = pay(client, api, amount="２０．５０", paid_at="2026-03-20T10:00")
    assert response.status_code == 201, response.json
    session.rollback()
    payment = session.get(Payment, response.json["id"])
    assert (str(payment.amount), payment.paid_at.isoformat()) == (
        "20.50",
        "2026-03-20T02:00:00+00:00",
    )
    assert pay(client, api, amount=12.5, paid_at="2026-03-21").status_code == 201


def test_a_repeated_reference_is_409(client, api, session, billed):
    assert pay(client, api, reference="WX-1").status_code == 201
    response = pay(client, api, reference="WX-1")
    assert response.status_code == 409 and "reference" in response.json["message"]
    session.rollback()
    assert session.scalar(select(func.count(Receipt.id))) == 1


def test_reverse(client, api, session, billed):
    payment_id = pay(client, api).json["id"]
    response = client.post(
        f"/api/v1/payment/{payment_id}/reverse", json={"reason": "录错"}, headers=api("Finance")
    )
    assert response.status_code == 201 and response.json["reverses_id"] == payment_id
    again = client.post(
        f"/api/v1/payment/{payment_id}/reverse", json={"reason": "录错"}, headers=api("Finance")
    )
    assert again.status_code == 409
    missing = client.post(
        "/api/v1/payment/999/reverse", json={"reason": "x"}, headers=api("Finance")
    )
    assert missing.status_code == 404


def test_payments_are_never_edited_or_deleted(client, api, billed):
    payment_id = pay(client, api).json["id"]
    for method in (client.put, client.delete):
        assert method(
            f"/api/v1/payment/{payment_id}", json={"amount": "1"}, headers=api("Admin")
        ).status_code in (404, 405)


@pytest.mark.parametrize("role", ["Manager", "CustomerService", "Collector", "Auditor"])
def test_only_finance_and_admin_record_payments(client, api, billed, role):
    assert pay(client, api, role=role).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Finance", 200),
        ("CustomerService", 200),
        ("Manager", 200),
        ("Auditor", 200),
        ("Collector", 403),
    ],
)
def test_who_reads_payments(client, api, billed, role, status):
    pay(client, api)
    assert client.get("/api/v1/payment/", headers=api(role)).status_code == status


def test_account_statement(client, api, billed):
    pay(client, api, amount="100.00")
    response = client.get(
        "/api/v1/account/1/statement?as_of=2026-04-10", headers=api("CustomerService")
    )
    assert response.status_code == 200
    (bill,) = response.json["bills"]
    assert (bill["principal_due"], bill["late_fee"], bill["balance"]) == (
        "103.75",
        "0.52",
        "104.27",
    )
    assert response.json["total_due"] == "104.27"
    assert client.get("/api/v1/account/3/statement", headers=api("Finance")).status_code == 404
    bad = client.get("/api/v1/account/1/statement?as_of=10/04/2026", headers=api("Finance"))
    assert bad.status_code == 400 and "as_of" in bad.json["message"]
