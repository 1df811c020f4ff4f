"""Moving in (docs/domain.md §14): the money a company brings, written as the ledger's own rows.

- Each unit's opening arrears of one month (期初欠费, one row per fee) become one **bill** of
  kind ``opening``: a line per fee, due on the earliest due date its rows give. It is a bill
  like any other for aging, arrears, dunning, statements, key figures and the ledger check; a
  billing run of that month skips the unit (the opening balance stands for its bill). Its late
  fee follows the setting ``opening_late_fees`` (``app.services.ledger.late_fee_terms``). A line
  is tied to the community's tariff of the fee's name or code when there is one.
- Its payer is the owner whose ownership covers the month; before the first owner known, that
  owner.
- A unit's prepaid amount (预存) becomes a **payment** of method ``opening``, recorded on the day of
  the import by whoever imported it: it is allocated to the unit's open bills (the opening ones
  included) and the rest is the unit's credit. It takes no receipt and no place in the
  cashiers' daily close: the money was received, and receipted, before the company moved in.

Importing the same rows again changes nothing. A changed amount or due date of an opening bill
nothing has been paid or waived on is updated; once money touched it, or for a prepaid amount
already recorded, the change is refused (a correction is a reversal, then a new import).
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.clock import business_date
from app.domain.periods import period_end
from app.models import Bill, BillLine, Payment, Tariff, Unit
from app.models.types import Basis, BillKind, BillStatus, FeeKind, PaymentMethod
from app.services.ledger import allocate_payment, lock_unit

#: Messages of this module's checks (the edges translate them, as the domain's).
BILLED_BY_RUN = "the unit already has a bill of a billing run for this month"
SETTLED = "imported before and paid or waived since: it can no longer change"
PREPAID_CHANGED = "imported before with another amount: reverse that payment first"
MESSAGES = (BILLED_BY_RUN, SETTLED, PREPAID_CHANGED)
#: A line's name when the row gives no fee.
OPENING_FEE = "期初欠费"

Row = tuple[int, dict, Unit]  # the row's number in its sheet, its values, its unit


class OpeningBalances:
    """Writes a file's opening arrears and prepaid amounts into ``session`` (units flushed);
    ``problem(sheet, row, column, message)`` hears of each row refused."""

    def __init__(self, session: Session, problem, counts, now: datetime, actor: str):
        self.session, self.problem, self.now, self.actor = session, problem, now, actor
        self.created, self.updated = counts
        self.today = business_date(now)

    def arrears(self, rows: list[Row]) -> None:
        months: dict[tuple[Unit, date], list[Row]] = defaultdict(list)
        for row in rows:
            months[row[2], row[1]["period"]].append(row)
        units = {unit.id: unit for unit, _period in months}
        live = self._live_bills(list(units), {period for _unit, period in months})
        tariffs = self._tariffs({unit.building.community_id for unit in units.values()})
        fresh: list[Bill] = []
        for (unit, period), month in months.items():
            bill = live.get((unit.id, period))
            if bill is None:
                fresh.append(self._new_bill(unit, period, month, tariffs))
            elif bill.kind != BillKind.OPENING:
                for number, _values, _unit in month:
                    self.problem("opening_arrears", number, "period", BILLED_BY_RUN)
            else:
                self._compare(bill, month, tariffs)
        if not fresh:
            return
        self.session.flush()
        for bill in fresh:  # the number is the regular bills' own, built from the id
            bill.number = f"{bill.community.code}-{bill.period_start:%Y%m}-{bill.id}"
        self.created["bills"] += len(fresh)

    def _live_bills(self, unit_ids: list[int], periods: set[date]) -> dict[tuple, Bill]:
        found: dict[tuple, Bill] = {}
        for start in range(0, len(unit_ids), 5000):
            chunk = unit_ids[start : start + 5000]
            for bill in self.session.scalars(
                # unscoped: moving in is the administrator's, for every community
                select(Bill)
                .where(
                    Bill.unit_id.in_(chunk),
                    Bill.period_start.in_(periods),
                    Bill.status != BillStatus.CANCELLED,
                )
                .options(selectinload(Bill.lines))
            ):
                found[bill.unit_id, bill.period_start] = bill
        return found

    def _tariffs(self, community_ids: set[int]) -> dict[tuple[int, str], Tariff]:
        """The communities' tariffs by name and by code (the latest version of each)."""
        found: dict[tuple[int, str], Tariff] = {}
        # unscoped: as above
        every = select(Tariff).where(Tariff.community_id.in_(community_ids))
        for tariff in self.session.scalars(every.order_by(Tariff.valid_from)):
            found[tariff.community_id, tariff.name] = tariff
            found[tariff.community_id, tariff.code] = tariff
        return found

    def _line(self, unit: Unit, period: date, values: dict, tariffs) -> BillLine:
        fee = values.get("fee") or ""
        tariff = tariffs.get((unit.building.community_id, fee)) if fee else None
        kind = tariff.fee_kind if tariff else (FeeKind.OTHER if fee else FeeKind.PROPERTY)
        return BillLine(
            tariff=tariff,
            unit_id=unit.id,
            period_start=period,
            period_end=period_end(period, 1),
            fee_kind=kind,
            name=fee or OPENING_FEE,
            basis=Basis.FIXED,
            area=None,
            price=values["amount"],
            months=1,
            amount=values["amount"],
        )

    def _new_bill(self, unit: Unit, period: date, month: list[Row], tariffs) -> Bill:
        lines = [self._line(unit, period, values, tariffs) for _number, values, _unit in month]
        total = sum((line.amount for line in lines), Decimal("0.00"))
        bill = Bill(
            number=f"opening-{unit.id}-{period:%Y%m}",  # numbered once it has its id
            kind=BillKind.OPENING,
            community=unit.building.community,
            unit=unit,
            owner=_payer(unit, period),
            period_start=period,
            period_end=period_end(period, 1),
            due_date=min(values["due_date"] for _number, values, _unit in month),
            total=total,
            paid=Decimal("0.00"),
            waived=Decimal("0.00"),
            late_fee=Decimal("0.00"),
            late_fee_waived=Decimal("0.00"),
            late_fee_closed=Decimal("0.00"),
            balance=total,
            status=BillStatus.OPEN,
            issued_at=self.now,
            lines=lines,
        )
        self.session.add(bill)
        return bill

    def _compare(self, bill: Bill, month: list[Row], tariffs) -> None:
        """An opening bill imported before: left alone when the rows say what it holds,
        updated while no money touched it, refused after."""
        lines = {line.name: line for line in bill.lines if not line.cancelled}
        wanted = {(values.get("fee") or OPENING_FEE): values for _n, values, _u in month}
        due = min(values["due_date"] for values in wanted.values())
        same = due == bill.due_date and all(
            name in lines and lines[name].amount == values["amount"]
            for name, values in wanted.items()
        )
        if same:
            return
        if bill.paid or bill.waived or bill.late_fee or bill.late_fee_waived:
            for number, _values, _unit in month:
                self.problem("opening_arrears", number, "amount", SETTLED)
            return
        for name, values in wanted.items():
            if name in lines:
                lines[name].amount = lines[name].price = values["amount"]
            else:
                bill.lines.append(self._line(bill.unit, bill.period_start, values, tariffs))
        bill.due_date = due
        bill.total = sum((line.amount for line in bill.lines if not line.cancelled), Decimal(0))
        bill.balance = bill.total
        self.updated["bills"] += 1

    def prepaid(self, rows: list[Row]) -> None:
        ids = [unit.id for _number, _values, unit in rows]
        recorded = self._prepaid_recorded(ids)
        for number, values, unit in rows:
            before = recorded.get(unit.id)
            if before is not None:
                if before.amount != values["amount"]:
                    self.problem("prepaid", number, "amount", PREPAID_CHANGED)
                continue
            lock_unit(self.session, unit.id)
            payment = Payment(
                community_id=unit.building.community_id,
                unit=unit,
                owner=_payer(unit, self.today),
                kind="payment",
                method=PaymentMethod.OPENING,
                amount=values["amount"],
                paid_at=self.now,
                recorded_at=self.now,
                recorded_by=self.actor,
            )
            self.session.add(payment)
            self.session.flush()
            allocate_payment(self.session, payment, payment.amount, self.today, self.now)
            self.created["prepaid"] += 1

    def _prepaid_recorded(self, unit_ids: list[int]) -> dict[int, Payment]:
        """Each unit's opening payment still standing (not reversed)."""
        reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
        found: dict[int, Payment] = {}
        for start in range(0, len(unit_ids), 5000):
            for payment in self.session.scalars(
                # unscoped: as above
                select(Payment).where(
                    Payment.unit_id.in_(unit_ids[start : start + 5000]),
                    Payment.method == PaymentMethod.OPENING,
                    Payment.kind == "payment",
                    Payment.id.not_in(reversed_ids),
                )
            ):
                found[payment.unit_id] = payment
        return found


def _payer(unit: Unit, day: date):
    """The owner of ``unit`` on ``day``; before its first owner known, that owner."""
    ownerships = sorted(unit.ownerships, key=lambda o: o.start_date)
    for ownership in reversed(ownerships):
        if ownership.start_date <= day <= (ownership.end_date or date.max):
            return ownership.owner
    later = [o for o in ownerships if o.start_date > day]
    return later[0].owner if later else None
