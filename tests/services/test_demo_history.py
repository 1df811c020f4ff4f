"""The demo's year of money (app/demo/money.py), through ``wuye seed-demo`` on SQLite and
PostgreSQL: twelve months of bills, payments through every channel, the platforms' statement
files matched by the payment code, arrears of several ages, a consistent ledger; a second run
adds nothing. The history ends with the day the command runs, so every figure is read relative
to that day (never a fixed date)."""

import re

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app.clock import business_date
from app.domain.payment_codes import codes_in
from app.extensions import db
from app.models import Bill, Payment, StatementEntry, StatementImport
from app.services.accounts import verify_ledger
from app.services.arrears import aging_summary


def seed(app):
    result = app.test_cli_runner().invoke(
        args=["wuye", "seed-demo", "--communities", "2", "--units", "24"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return dict(re.findall(r"([a-z][a-z ]+): (\d+)", result.output.split("history:")[1]))


def test_the_demo_has_lived_a_year(any_app):
    history = seed(any_app)
    today = business_date()
    with any_app.app_context():
        session = db.session
        months = session.scalars(select(Bill.period_start).distinct()).all()
        first = today.replace(day=1) - relativedelta(months=11)
        assert sorted(months) == [first + relativedelta(months=i) for i in range(12)]
        methods = set(session.scalars(select(Payment.method).distinct()))
        assert {"wechat", "alipay", "bank_transfer", "cash", "card"} <= methods
        formats = set(session.scalars(select(StatementImport.format).distinct()))
        assert formats == {"wechat", "alipay", "icbc"}
        # every row whose remark carries a payment code was matched by itself
        entries = session.scalars(select(StatementEntry)).all()
        coded = [e for e in entries if codes_in(e.remark)]
        assert len(coded) >= 0.9 * len(entries)
        assert sum(e.status == "matched" for e in coded) / len(coded) >= 0.99
        aging = aging_summary(session, today)
        ages = {key for row in aging for key, (units, _money) in row.buckets.items() if units}
        assert len(ages) >= 3, ages  # arrears of several ages
        assert session.scalar(select(func.count()).where(Bill.late_fee_closed > 0)) > 0
        assert verify_ledger(session) == []
        counts = (
            session.scalar(select(func.count(Bill.id))),
            session.scalar(select(func.count(Payment.id))),
        )
    assert int(history["bills"]) == counts[0]
    assert seed(any_app) == history  # again: nothing added
    with any_app.app_context():
        assert counts == (
            db.session.scalar(select(func.count(Bill.id))),
            db.session.scalar(select(func.count(Payment.id))),
        )
