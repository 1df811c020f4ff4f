"""The daily close: per cashier and method, balanced against the receipts of the day."""

from datetime import date
from decimal import Decimal as D

from app.clock import business_date
from app.services.daily_close import daily_close
from app.services.payments import record_payment, reverse_payment


def test_totals_by_cashier_and_method_match_the_receipts(session):
    today = business_date()
    record_payment(session, 1, "100.00", "cash", actor="cashier-a")
    record_payment(session, 2, "50.50", "cash", actor="cashier-a")
    paid = record_payment(session, 1, "30.00", "wechat", "WX1", actor="cashier-b")
    record_payment(session, 3, "9.99", "cash", actor="cashier-b")  # community B
    reverse_payment(session, paid.payment.id, "录错", actor="cashier-b")
    close = daily_close(session, today, {1})
    assert [(x.cashier, x.method, x.payments, x.received, x.reversed) for x in close.lines] == [
        ("cashier-a", "cash", 2, D("150.50"), D("0")),
        ("cashier-b", "wechat", 1, D("30.00"), D("30.00")),
    ]
    assert (close.received, close.reversed, close.receipts, close.balanced) == (
        D("180.50"),
        D("30.00"),
        D("180.50"),
        True,
    )
    assert daily_close(session, today).received == D("190.49")


def test_another_day_is_empty(session):
    record_payment(session, 1, "100.00", "cash")
    close = daily_close(session, date(2000, 1, 1))
    assert (close.lines, close.received, close.balanced) == ([], D("0"), True)
