"""Payment allocation: oldest first, principal before late fee, the rest as credit."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.allocation import Allocation, OpenBill, allocate

JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)


def test_oldest_due_date_first_principal_before_late_fee():
    bills = [
        OpenBill(3, MAR, D("100")),
        OpenBill(1, JAN, D("100"), D("5")),
        OpenBill(2, FEB, D("100"), D("2")),
    ]
    allocations, credit = allocate(D("250"), bills)
    assert allocations == [
        Allocation(1, D("100"), D("5")),
        Allocation(2, D("100"), D("2")),
        Allocation(3, D("43"), D("0")),
    ]
    assert credit == 0


def test_late_fee_waits_until_the_principal_is_settled():
    allocations, credit = allocate(D("60"), [OpenBill(1, JAN, D("100"), D("5"))])
    assert allocations == [Allocation(1, D("60"), D("0"))] and credit == 0


def test_the_surplus_becomes_credit():
    allocations, credit = allocate(D("120.50"), [OpenBill(1, JAN, D("100"))])
    assert allocations == [Allocation(1, D("100"), D("0"))] and credit == D("20.50")


def test_no_open_bills_means_all_credit():
    assert allocate(D("10"), []) == ([], D("10"))


@pytest.mark.parametrize("amount", [D("0"), D("-1")])
def test_the_amount_must_be_positive(amount):
    with pytest.raises(ValueError):
        allocate(amount, [])


fen = st.integers(min_value=0, max_value=10**7).map(lambda n: D(n) / 100)
bills = st.lists(st.tuples(st.integers(0, 400), fen, fen), max_size=12).map(
    lambda rows: [
        OpenBill(i, JAN + timedelta(days=d), p, lf) for i, (d, p, lf) in enumerate(rows, start=1)
    ]
)


@given(amount=fen.filter(lambda a: a > 0), bills=bills)
def test_money_is_conserved_and_order_respected(amount, bills):
    allocations, credit = allocate(amount, bills)
    assert sum(a.amount for a in allocations) + credit == amount
    assert credit >= 0
    by_id = {b.bill_id: b for b in bills}
    for a in allocations:
        bill = by_id[a.bill_id]
        assert 0 <= a.principal <= bill.principal and 0 <= a.late_fee <= bill.late_fee
        assert a.late_fee == 0 or a.principal == bill.principal
    if credit > 0:  # money left over only when everything is paid
        assert sum(a.amount for a in allocations) == sum(b.principal + b.late_fee for b in bills)
    # a bill receives money only when every earlier bill's principal is covered
    principal_paid = {a.bill_id: a.principal for a in allocations}
    order = sorted(bills, key=lambda b: (b.due_date, b.bill_id))
    for n, bill in enumerate(order):
        if principal_paid.get(bill.bill_id):
            assert all(principal_paid.get(e.bill_id, 0) == e.principal for e in order[:n])
