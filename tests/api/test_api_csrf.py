"""A state-changing API call made with the browser's session cookie needs the page's CSRF token
(app/guards.py): another site cannot approve a waiver or run a scan in a signed-in user's name."""

import re
from datetime import date

from sqlalchemy import func, select

from app.models import BillingRun, Payment
from app.services.billing import run_billing

PAYMENT = {"unit_id": 1, "amount": "10.00", "method": "cash"}


def csrf_token(client) -> str:
    page = client.get("/billingrunformview/start").get_data(as_text=True)
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def test_a_cookie_write_without_the_token_is_refused_and_writes_nothing(login, session):
    client = login("Finance")
    forged = client.post("/api/v1/payment/", json=PAYMENT)
    form = client.post("/api/v1/billing/run", data={"period": "2026-03"})
    assert (forged.status_code, form.status_code) == (400, 400)
    assert "CSRF" in forged.json["message"]
    session.rollback()
    assert session.scalar(select(func.count(Payment.id))) == 0
    assert session.scalar(select(func.count(BillingRun.id))) == 0


def test_a_cookie_write_with_the_pages_token_or_a_bearer_write_goes_through(
    app, login, api, session, monkeypatch
):
    run_billing(session, date(2026, 3, 1), community_id=1)
    session.commit()
    client = login("Finance")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the forms carry the token
    headers = {"X-CSRFToken": csrf_token(client)}
    assert client.post("/api/v1/payment/", json=PAYMENT, headers=headers).status_code == 201
    assert (
        client.post(
            "/api/v1/payment/", json=PAYMENT | {"reference": "R2"}, headers=api("Finance")
        ).status_code
        == 201
    )
    assert client.get("/api/v1/payment/").status_code == 200  # reading needs no token
