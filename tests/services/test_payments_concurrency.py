"""Two cashiers paying the same unit at the same moment, on PostgreSQL (docs/domain.md §4)."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal as D

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import Bill, Receipt, Unit
from app.services.billing import run_billing
from app.services.ledger import unit_credit
from app.services.payments import record_payment

MARCH_20 = datetime(2026, 3, 20, 2, tzinfo=UTC)  # before the due date: no late fee


def test_the_second_cashier_waits_and_never_double_allocates(pg_world_url):
    engine = create_engine(pg_world_url)
    with Session(engine) as setup:
        run_billing(setup, date(2026, 3, 1), community_id=1)
        unit_id = setup.scalar(select(Unit.id).where(Unit.code == "1-1-101", Unit.building_id == 1))
        setup.commit()
    first, second = Session(engine), Session(engine)
    record_payment(
        first, unit_id, "203.75", "cash", paid_at=MARCH_20, actor="cashier-1"
    )  # and holds the unit's lock until it commits
    done = threading.Event()

    def pay_too():
        record_payment(second, unit_id, "203.75", "cash", paid_at=MARCH_20, actor="cashier-2")
        second.commit()
        done.set()

    thread = threading.Thread(target=pay_too)
    thread.start()
    assert not done.wait(1.0), "the second payment must wait for the first to commit"
    first.commit()
    thread.join(10)
    assert done.is_set()
    with Session(engine) as check:
        bill = check.scalar(select(Bill).where(Bill.unit_id == unit_id))
        assert (bill.paid, bill.balance, bill.status) == (D("203.75"), D("0.00"), "paid")
        assert unit_credit(check, unit_id) == D("203.75")
        assert check.scalars(select(Receipt.number).order_by(Receipt.seq)).all() == [
            "A-2026-000001",
            "A-2026-000002",
        ]
    first.close()
    second.close()
    engine.dispose()
