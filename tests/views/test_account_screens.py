"""The account statement and daily close screens."""

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.clock import business_date
from app.services.billing import run_billing
from app.services.payments import record_payment


@pytest.fixture
def paid(session):
    run_billing(session, date(2026, 3, 1), community_id=1)
    record_payment(
        session, 1, "100.00", "cash", paid_at=datetime(2026, 3, 10, 2, tzinfo=UTC), actor="finance"
    )
    session.commit()


def test_a_unit_statement_as_of_a_date(login, paid):
    client = login("CustomerService")
    assert client.get("/unitview/action/statement/1").status_code == 302
    page = client.get("/account/1?as_of=2026-04-10").get_data(as_text=True)
    assert "104.27" in page and "0.52" in page  # balance with 10 days of late fee
    assert login("Manager").get("/account/3").status_code == 404  # community B


def test_the_daily_close_balances_and_exports(login, paid):
    client = login("Finance")
    page = client.get(f"/dailycloseview/?day={business_date()}").get_data(as_text=True)
    assert "100.00" in page and 'class="text-success"' in page
    with client.get(f"/dailycloseview/export/csv?day={business_date()}") as response:
        text = response.get_data().decode("utf-8-sig")
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert row[1:] == ["finance", "现金", "1", "100.00", "0.00", "100.00"]


@pytest.mark.parametrize(
    ("role", "status"), [("Finance", 200), ("Auditor", 200), ("Collector", 403)]
)
def test_who_sees_the_daily_close(login, role, status):
    assert login(role).get("/dailycloseview/").status_code == status
