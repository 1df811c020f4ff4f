"""The billing run's SQL on PostgreSQL: same figures as on SQLite, and idempotent."""

from datetime import date
from decimal import Decimal as D

from sqlalchemy import Numeric, literal, select

from app.domain.money import line_amount
from app.models import Bill, Tariff
from app.services.bill_building import line_fen
from app.services.billing import run_billing

MARCH = date(2026, 3, 1)


def test_a_run_and_a_rerun_on_postgres(pg_session):
    preview = run_billing(pg_session, MARCH, dry_run=True)
    first = run_billing(pg_session, MARCH)
    again = run_billing(pg_session, MARCH)
    assert (preview.created, preview.bills, preview.total) == (4, 4, D("820.00"))
    assert (first.created, first.bills, first.total) == (4, 4, D("820.00"))
    assert (again.created, again.bills, again.skipped) == (0, 0, 4)
    totals = pg_session.scalars(select(Bill.total).order_by(Bill.id)).all()
    assert totals == [D("203.75"), D("206.25"), D("203.75"), D("206.25")]


def test_the_sql_formula_on_postgres(pg_session):
    cases = [
        (D("88.47"), D("2.3500"), 3),
        (D("101.00"), D("1.8850"), 1),
        (D("99999.99"), D("9999.9999"), 12),
        (D("0.01"), D("0.0001"), 1),
    ]
    for area, price, months in cases:
        tariff = Tariff(basis="area", price=price, cycle_months=months)
        fen = pg_session.scalar(select(line_fen(tariff, literal(area, Numeric(12, 2)))))
        assert D(fen) / 100 == line_amount("area", price, area, months)
