"""A hand-made ledger for the key-figure tests (docs/domain.md §12), with every time under control.

The world: community A has units 1 (81.50 m²) and 2 (82.50 m²), community B units 3 and 4
(the same areas); ¥2.50/m²/month, due 30 days after the period start. So every month units 1
and 3 are billed ¥203.75 and units 2 and 4 ¥206.25: ¥820.00 a month. January bills fall due on
31 January, February's on 3 March, March's on 31 March. The late-fee rate is set to 0 so that
every allocation is principal. Times are Shanghai business time (end of 31 March = 16:00 UTC).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.models import Bill, Tariff
from app.services.billing import run_billing
from app.services.payments import record_payment, reverse_payment
from app.services.waivers import approve_waiver, request_waiver

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH_31 = date(2026, 3, 31)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def pay(session, unit_id: int, amount: str, day: date, hour: int = 10, minute: int = 0):
    return record_payment(session, unit_id, amount, "cash", paid_at=at(day, hour, minute)).payment


def reverse(session, payment, day: date):
    """Reverse ``payment`` as if on ``day`` (the service stamps the reversal with the clock)."""
    reversal = reverse_payment(session, payment.id, "退票")
    reversal.paid_at = at(day, 11)
    session.flush()


def waive(session, unit_id: int, month: int, amount: str, day: date | None) -> None:
    """A principal waiver on the unit's bill of ``month``, approved on ``day`` (None: pending)."""
    bill = session.scalar(
        select(Bill).where(Bill.unit_id == unit_id, Bill.period_start == date(2026, month, 1))
    )
    waiver = request_waiver(session, bill.id, "principal", amount, "hardship", actor="cs")
    if day is not None:
        approve_waiver(session, waiver.id, actor="manager")
        waiver.decided_at = at(day, 9)
        session.flush()


def build_ledger(session) -> None:
    """Bills for January to March 2026, then, in the order they happened:

    unit 1: pays each month's bill in the month (20 Jan, 20 Feb, 20 Mar);
    unit 2: pays Jan + Feb on 15 Feb, reversed on 16 Feb (bounced), paid again on 25 Feb;
            pays ¥100.00 of March at 23:30 on 31 March, the ¥106.25 rest at 00:30 on 1 April;
    unit 3: pays January on 25 Jan, February on 25 Feb, March on 10 Mar — reversed on 10 April;
    unit 4: pays nothing; ¥50.00 of March waived on 15 March, ¥20.00 of February waived on
            10 April, and a ¥30.00 January waiver still awaits approval.
    """
    session.execute(update(Tariff).values(late_fee_daily_rate=0))
    for month in (1, 2, 3):
        run_billing(session, date(2026, month, 1))
    pay(session, 1, "203.75", date(2026, 1, 20))
    pay(session, 3, "203.75", date(2026, 1, 25))
    bounced = pay(session, 2, "412.50", date(2026, 2, 15))
    reverse(session, bounced, date(2026, 2, 16))
    pay(session, 1, "203.75", date(2026, 2, 20))
    pay(session, 2, "412.50", date(2026, 2, 25))
    pay(session, 3, "203.75", date(2026, 2, 25))
    march_of_3 = pay(session, 3, "203.75", date(2026, 3, 10))
    waive(session, 4, 3, "50.00", date(2026, 3, 15))
    pay(session, 1, "203.75", date(2026, 3, 20))
    pay(session, 2, "100.00", MARCH_31, 23, 30)
    pay(session, 2, "106.25", date(2026, 4, 1), 0, 30)
    waive(session, 4, 2, "20.00", date(2026, 4, 10))
    reverse(session, march_of_3, date(2026, 4, 10))
    waive(session, 4, 1, "30.00", None)
