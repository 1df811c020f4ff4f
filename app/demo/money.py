"""The demo's money (app/demo/__init__.py): twelve months of a company's billing and
collection, month by month, through the services a cashier and the finance staff use.

Each month of the history, for each community: the billing run of the month; the payments
dated in that month — WeChat Pay, Alipay and bank transfers written as those platforms' own
statement files (``statement_files``) and imported for the community, matched by the household
payment code the owner wrote in the remark (a few write only their unit code, or nothing: those
wait in the unmatched queue); cash and card recorded at the till; then, once the month is over,
its late-fee month close.

Owners keep habits (drawn once, deterministically): most pay before the due date, some pay
weeks late with the late fee accrued, and about one in twelve stops paying at some month of the
year, so arrears of every age exist on ``today``. A community that already has bills is left as
it is.
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_zone
from app.demo.counting import counter
from app.models import Bill, Building, Community, Payment, StatementEntry, Unit
from app.services.billing import run_billing
from app.services.latefees import close_month
from app.services.ledger import accrued_late_fee
from app.services.payments import record_payment
from app.services.statements import import_statement

from .statement_files import Paid, alipay_bill, icbc_statement, wechat_bill

MONTHS = 12  # of history, this month included
CASHIER = "finance"
#: How owners pay: channel -> share of owners.
CHANNELS = {"wechat": 40, "alipay": 20, "bank_transfer": 20, "cash": 12, "card": 8}
#: How owners keep time: habit -> share of owners. Most pay months ahead (the surplus is credit,
#: which each billing run applies); a car park's bill comes once a quarter and is paid as it comes.
HABITS = {"monthly": 15, "quarterly": 25, "half-yearly": 22, "yearly": 20, "late": 10, "stops": 8}
AHEAD = {"quarterly": 3, "half-yearly": 6, "yearly": 12}


def first_month(today: date) -> date:
    """The first month of the history ending with ``today``'s month."""
    return today.replace(day=1) - relativedelta(months=MONTHS - 1)


class _Owner:
    """One unit's paying habits."""

    def __init__(self, unit: Unit, rng: random.Random):
        self.unit = unit
        self.name = unit.ownerships[-1].owner.name if unit.ownerships else "业主"
        self.channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        self.habit = rng.choices(list(HABITS), weights=list(HABITS.values()))[0]
        if unit.property_type == "parking" and self.habit in AHEAD:
            self.habit = "monthly"
        self.stops_at = rng.randint(0, MONTHS - 1)  # for "stops": the first month left unpaid
        n = rng.random()
        self.remark = "code" if n < 0.95 else "unit" if n < 0.98 else "none"
        self.account = f"62220{rng.randint(10**13, 10**14 - 1)}"
        self.openid = f"oUpF8u{rng.getrandbits(96):024x}"[:28]

    def pays(self, bill: Bill, index: int, rng: random.Random) -> tuple[date, int] | None:
        """The day this owner pays ``bill`` (of the history's month ``index``) and for how many
        months of it; or None: not now (paid ahead, or never)."""
        months = AHEAD.get(self.habit, 1)
        if (self.habit == "stops" and index >= self.stops_at) or index % months:
            return None
        if self.habit == "late":
            return bill.due_date + timedelta(days=rng.randint(8, 70)), 1
        return bill.period_start + timedelta(days=rng.randint(2, 28)), months

    def remark_for(self, words: str) -> str:
        code = self.unit.payment_code
        return {
            "code": f"缴费码{code} {words}",
            "unit": f"{self.unit.code} {words}",
            "none": words,
        }[self.remark]


def seed(session: Session, communities: list[Community], today: date) -> None:
    rng = random.Random(2027)
    first = first_month(today)
    months = [first + relativedelta(months=i) for i in range(MONTHS)]
    for community in communities:
        if session.scalar(select(Bill.id).where(Bill.community_id == community.id).limit(1)):
            continue  # its history is there
        _Company(session, community, today, rng).live(months)


class _Company:
    """One community's year."""

    def __init__(self, session: Session, community: Community, today: date, rng):
        self.session, self.community, self.today, self.rng = session, community, today, rng
        units = session.scalars(
            select(Unit)  # unscoped: the demo, for the system
            .join(Building)
            .where(Building.community_id == community.id)
            .order_by(Unit.id)
        ).all()
        self.owners = {unit.id: _Owner(unit, rng) for unit in units}
        # month -> its payments: (day, unit id, bill id, months paid)
        self.due: dict[date, list[tuple[date, int, int, int]]] = defaultdict(list)
        self.serial = 0
        self.balance = Decimal("1285310.42")

    def live(self, months: list[date]) -> None:
        for index, month in enumerate(months):
            run_billing(self.session, month, self.community.id, actor=CASHIER, today=self.today)
            for bill in self.session.scalars(
                select(Bill).where(  # unscoped: as above
                    Bill.community_id == self.community.id, Bill.period_start == month
                )
            ):
                paying = self.owners[bill.unit_id].pays(bill, index, self.rng)
                if paying is not None and paying[0] <= self.today:
                    day, months_paid = paying
                    self.due[day.replace(day=1)].append((day, bill.unit_id, bill.id, months_paid))
            self.pay(month)
            if month + relativedelta(months=1) <= self.today.replace(day=1):
                close_month(self.session, month, self.community.id, today=self.today)

    def pay(self, month: date) -> None:
        """Book the payments dated in ``month``: the platforms' files, then the till."""
        by_channel: dict[str, list[tuple[Paid, _Owner]]] = defaultdict(list)
        for day, unit_id, bill_id, months in sorted(self.due.pop(month, [])):
            owner = self.owners[unit_id]
            bill = self.session.get(Bill, bill_id)
            assert bill is not None
            late_fee = max(accrued_late_fee(self.session, bill, day) - bill.late_fee, Decimal(0))
            amount = bill.balance + late_fee + bill.total * (months - 1)  # the months ahead
            if amount <= 0:
                continue
            at = datetime.combine(day, time(8 + self.rng.randint(0, 12), self.rng.randint(0, 59)))
            by_channel[owner.channel].append((self._paid(owner, at, amount, bill), owner))
        for channel, rows in by_channel.items():
            if channel in ("cash", "card"):
                for paid, owner in rows:
                    self._till(channel, paid, owner)
            else:
                self._import(channel, month, [paid for paid, _owner in rows])

    def _paid(self, owner: _Owner, at: datetime, amount: Decimal, bill: Bill) -> Paid:
        self.serial += 1
        words = f"{bill.period_start:%Y年%m月}起物业费"
        number = {
            "wechat": f"42000020{at:%Y%m%d}{self.community.id:02d}{self.serial:08d}",
            "alipay": f"{at:%Y%m%d}2200{self.community.id:02d}{self.serial:012d}",
        }.get(owner.channel, f"HQ{at:%Y%m%d}{self.community.id:02d}{self.serial:06d}")
        account = {
            "wechat": owner.openid,
            "alipay": f"{owner.account[-11:-8]}****{owner.account[-4:]}",
        }.get(owner.channel, owner.account)
        name = (
            owner.name if owner.channel != "alipay" else owner.name[0] + "*" * (len(owner.name) - 1)
        )
        return Paid(at, amount, number, name, account, owner.remark_for(words))

    def _till(self, channel: str, paid: Paid, owner: _Owner) -> None:
        record_payment(
            self.session,
            owner.unit.id,
            paid.amount,
            channel,
            reference=f"POS{paid.number[2:]}" if channel == "card" else None,
            paid_at=paid.at.replace(tzinfo=business_zone()).astimezone(UTC),
            actor=CASHIER,
            today=self.today,
        )

    def _import(self, channel: str, month: date, rows: list[Paid]) -> None:
        community = self.community
        end = datetime.combine(month + relativedelta(months=1), time())
        if channel == "wechat":
            data = wechat_bill(rows, f"16{community.id:08d}", community.name)
        elif channel == "alipay":
            data = alipay_bill(
                rows, f"2088{community.id:012d}", datetime.combine(month, time()), end
            )
        else:
            data = icbc_statement(rows, community.payee_account, community.payee_name, self.balance)
            self.balance += sum((row.amount for row in rows), Decimal(0))
        name = f"{community.code}-{channel}-{month:%Y%m}.csv"
        result = import_statement(
            self.session, data, name, actor=CASHIER, community_id=community.id
        )
        assert not result.problems, (name, result.problems)


def counts(session: Session, communities: list[Community], today: date) -> dict[str, int]:
    ids = [c.id for c in communities]
    count = counter(session, ids)
    return {
        "bills": count(Bill),
        "payments": count(Payment, Payment.kind == "payment"),
        "statement rows matched": count(StatementEntry, StatementEntry.status == "matched"),
        "statement rows waiting": count(StatementEntry, StatementEntry.status == "unmatched"),
        "units in arrears": session.scalar(
            select(func.count(func.distinct(Bill.unit_id))).where(
                Bill.community_id.in_(ids),
                Bill.balance > 0,
                Bill.status.in_(("open", "partial")),
                Bill.due_date < today,
            )
        )
        or 0,
    }
