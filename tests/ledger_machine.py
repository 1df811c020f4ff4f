"""A stateful property test of the money core: hypothesis interleaves what cashiers, managers and
jobs do to the ledger, and the ledger's invariants are checked after every step.

The steps: billing runs and re-runs, cancel and re-issue, payments and reversals, applying
credit, waivers (requested, approved, rejected), the month's late-fee close, installment
agreements, statement imports with refunds. Each step runs in a savepoint; a refusal
(``DomainError``) must leave every table as it was. The invariants (the nightly ledger check's,
``app.services.accounts.verify_ledger``, and more):

- per bill: paid = its allocations; balance = total + late fee − waived − paid (0 if cancelled);
- no bill has a negative balance or paid amount, no payment more allocated than it holds;
- a reversed payment's allocations and its reversal's cancel out;
- receipts are numbered 1..n without a gap per community and year, one per payment.

The world is the tests' template (communities A and B, two units each, one tariff) plus a unit
1-1-103 of A only, so that a statement row naming it in its remark is matched. Everything an
example wrote is rolled back before the next one.
"""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from app.models import (
    Allocation,
    Bill,
    Building,
    InstallmentAgreement,
    Payment,
    Receipt,
    StatementEntry,
    Waiver,
)
from app.services.accounts import verify_ledger
from app.services.billing import run_billing
from app.services.bills import cancel_bill, reissue_bill
from app.services.errors import DomainError
from app.services.installments import approve_installment, attach_scan, draft_installment
from app.services.latefees import close_month
from app.services.payments import apply_credit, record_payment, reverse_payment
from app.services.statements import import_statement
from app.services.waivers import approve_waiver, reject_waiver, request_waiver
from tests.factories import make_owner, make_ownership, make_unit

MONTHS = st.integers(1, 5)  # January to May 2026
UNITS = st.integers(1, 5)  # 1, 2 (A), 3, 4 (B), 5 = 1-1-103 (A)
AMOUNTS = st.decimals("0.01", "600.00", places=2)
TODAY = date(2026, 7, 1)  # the late-fee close's "today": every month of the test is over
TABLES = (Bill, Payment, Allocation, Receipt, Waiver, InstallmentAgreement, StatementEntry)


def fen(value) -> Decimal:
    """A sum as the database gives it (SQLite: a float) to the fen."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def paid_on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 2, tzinfo=UTC)


def statement(rows: list[tuple[str, Decimal, str, str]]) -> bytes:
    lines = ["date,amount,reference,method,payer_name,payer_account,remark"]
    lines += [
        f"{on},{amount},{ref},bank_transfer,张伟,6222020200112345678,{remark}"
        for on, amount, ref, remark in rows
    ]
    return "\n".join(lines).encode()


def ledger_machine(session, done: Counter):
    """The state machine class, working on ``session`` (SQLite or PostgreSQL); ``done`` counts
    the steps of each rule that went through (the others were refused)."""

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            session.rollback()  # the previous example's work is gone
            building = session.get(Building, 1)
            unit = make_unit(session, building, "1-1-103", area="60.00")
            make_ownership(session, unit, make_owner(session, building.community, "A业主丙"))
            self.statements = 0

        def teardown(self):
            session.rollback()

        # --- helpers ---------------------------------------------------------------------

        def counts(self) -> list[int]:
            return [session.scalar(select(func.count()).select_from(t)) for t in TABLES]

        def attempt(self, rule: str, operation) -> bool:
            """Run ``operation()`` in a savepoint; a refusal must have written nothing."""
            before = self.counts()
            try:
                with session.begin_nested():
                    operation()
            except DomainError:
                session.expire_all()
                assert self.counts() == before, "a refused step wrote something"
                return False
            session.flush()
            done[rule] += 1
            return True

        def ids(self, model, *where) -> list[int]:
            return session.scalars(select(model.id).where(*where).order_by(model.id)).all()

        # --- rules -------------------------------------------------------------------------

        @rule(month=MONTHS, community=st.sampled_from([1, 2, None]))
        def bill(self, month, community):
            self.attempt("bill", lambda: run_billing(session, date(2026, month, 1), community))

        @rule(unit=UNITS, amount=AMOUNTS, month=MONTHS, day=st.integers(1, 28))
        def pay(self, unit, amount, month, day):
            self.attempt(
                "pay",
                lambda: record_payment(session, unit, amount, "cash", paid_at=paid_on(month, day)),
            )

        @rule(data=st.data())
        def reverse(self, data):
            reversed_ids = select(Payment.reverses_id).where(Payment.reverses_id.is_not(None))
            live = self.ids(Payment, Payment.kind == "payment", Payment.id.not_in(reversed_ids))
            if live:
                payment = data.draw(st.sampled_from(live))
                self.attempt("reverse", lambda: reverse_payment(session, payment, "录入错误"))

        @rule(unit=UNITS)
        def credit(self, unit):
            self.attempt("credit", lambda: apply_credit(session, unit))

        @rule(data=st.data(), reissue=st.booleans())
        def cancel_or_reissue(self, data, reissue):
            bills = self.ids(Bill)
            if bills:
                bill = data.draw(st.sampled_from(bills))
                act = reissue_bill if reissue else cancel_bill
                self.attempt("cancel_or_reissue", lambda: act(session, bill, "面积有误"))

        @rule(
            data=st.data(),
            part=st.sampled_from(["principal", "late_fee"]),
            amount=AMOUNTS,
            decision=st.sampled_from(["approve", "reject", "leave"]),
        )
        def waive(self, data, part, amount, decision):
            bills = self.ids(Bill)
            if not bills:
                return
            bill = data.draw(st.sampled_from(bills))

            def waiver():
                waiver = request_waiver(session, bill, part, amount, "hardship", actor="service")
                if decision == "approve":
                    approve_waiver(session, waiver.id, actor="manager")
                elif decision == "reject":
                    reject_waiver(session, waiver.id, actor="manager", note="材料不足")

            self.attempt("waive", waiver)

        @rule(month=MONTHS)
        def close_late_fees(self, month):
            first = date(2026, month, 1)
            self.attempt("close_late_fees", lambda: close_month(session, first, today=TODAY))

        @rule(unit=UNITS, month=st.integers(2, 6), count=st.integers(1, 4))
        def installment(self, unit, month, count):
            def agreement():
                agreed_on = date(2026, month, 10)
                draft = draft_installment(
                    session,
                    unit,
                    agreed_on=agreed_on,
                    count=count,
                    first_due=date(2026, month + 1, 10),
                    actor="service",
                )
                attach_scan(session, draft.id, b"%PDF-1.4 signed agreement")
                approve_installment(session, draft.id, actor="manager")

            self.attempt("installment", agreement)

        @rule(amount=AMOUNTS, month=MONTHS, refund=st.booleans())
        def import_statement(self, amount, month, refund):
            self.statements += 1
            n = self.statements
            rows = [(f"2026-{month:02d}-15", amount, f"BT{n:04d}", "1-1-103物业费")]
            if refund:
                rows.append((f"2026-{month:02d}-16", -amount, f"RF{n:04d}", "1-1-103退款"))
            data = statement(rows)
            self.attempt(
                "import_statement", lambda: import_statement(session, data, f"s{n}.csv", "generic")
            )

        # --- invariants --------------------------------------------------------------------

        @invariant()
        def the_ledger_check_is_clean(self):
            assert verify_ledger(session) == []

        @invariant()
        def nothing_is_negative_or_over_allocated(self):
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Bill)
                    .where((Bill.balance < 0) | (Bill.paid < 0))
                )
                == 0
            )
            used = session.execute(
                select(
                    Payment.id, Payment.amount, func.sum(Allocation.principal + Allocation.late_fee)
                )
                .join(Allocation, Allocation.payment_id == Payment.id)
                .where(Payment.kind == "payment")
                .group_by(Payment.id, Payment.amount)
            ).all()
            over = [pid for pid, amount, spent in used if fen(spent) > amount]
            assert over == [], f"payments allocated beyond their amount: {over}"

        @invariant()
        def a_reversal_cancels_its_payments_allocations(self):
            reversals = session.execute(
                select(Payment.id, Payment.reverses_id).where(Payment.reverses_id.is_not(None))
            ).all()
            for reversal, original in reversals:
                net = session.scalar(
                    select(
                        func.coalesce(func.sum(Allocation.principal + Allocation.late_fee), 0)
                    ).where(Allocation.payment_id.in_([reversal, original]))
                )
                assert fen(net) == 0, f"payment {original} reversed by {reversal}: {net}"

        @invariant()
        def receipts_are_gapless_one_per_payment(self):
            rows = session.execute(
                select(Receipt.community_id, Receipt.year, Receipt.seq).order_by(
                    Receipt.community_id, Receipt.year, Receipt.seq
                )
            ).all()
            series: dict[tuple[int, int], list[int]] = {}
            for community, year, seq in rows:
                series.setdefault((community, year), []).append(seq)
            for key, seqs in series.items():
                assert seqs == list(range(1, len(seqs) + 1)), f"receipts of {key}: {seqs}"
            payments = session.scalar(
                select(func.count()).select_from(Payment).where(Payment.kind == "payment")
            )
            assert len(rows) == payments

    return Ledger
