"""The schedule an installment agreement's draft asks for (docs/domain.md §8), checked and built:
the down payment (none for a deferral), then either an explicit schedule of instalments 1..N or
N equal monthly instalments from the first due date, the last taking the fen remainder; each
instalment falls due after the agreement's date and after the one before, and the whole sums to
the covered total exactly. Used by ``app.services.installments.draft_installment``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.domain import installments as rules
from app.domain.money import ZERO, format_money
from app.models.installments import InstallmentKind
from app.services.errors import Problems
from app.services.ledger import parse_amount
from app.services.queries import is_id


def _down_payment(problems: Problems, value) -> Decimal:
    """Optional: none, or zero, means no down payment."""
    if value in (None, "") or _zero(value):
        return ZERO
    return parse_amount(problems, "down_payment", value) or ZERO


def _zero(value) -> bool:
    try:
        return Decimal(str(value).strip()) == 0
    except ArithmeticError:
        return False


def _explicit_schedule(problems: Problems, schedule, agreed_on: date) -> list[rules.Instalment]:
    """Instalments 1..N from ``[{"due_date", "amount"}, …]``; every problem under ``schedule``."""
    if not isinstance(schedule, list) or not schedule:
        problems.add("schedule", _l("A list of instalments, each with a due date and an amount."))
        return []
    items, sub = [], Problems()
    for n, entry in enumerate(schedule, start=1):
        entry = entry if isinstance(entry, Mapping) else {}
        due = sub.day(str(n), entry.get("due_date"), _l("The due date is required."))
        amount = parse_amount(sub, str(n), entry.get("amount"))
        if due is not None and amount is not None:
            items.append(rules.Instalment(n, due, amount))
    for which, reasons in sub.messages.items():
        for why in reasons:
            problems.add("schedule", _l("Instalment %(n)s: %(why)s", n=which, why=why))
    if len(items) == len(schedule):
        _check_dates(problems, "schedule", items, agreed_on)
    return items


def _check_dates(problems: Problems, name: str, items, agreed_on: date) -> None:
    dates = [item.due_date for item in items]
    problems.check(
        dates[0] > agreed_on,
        name,
        _l("The first instalment falls due after the agreement's date (%(date)s).", date=agreed_on),
    )
    problems.check(
        all(a < b for a, b in zip(dates, dates[1:], strict=False)),
        name,
        _l("Each instalment falls due after the one before."),
    )


@dataclass(frozen=True)
class Plan:
    """What a draft asks for, checked: an explicit schedule (instalments 1..N), or ``count``
    monthly instalments from ``first_due``."""

    agreed_on: date
    down_payment: Decimal
    explicit: list[rules.Instalment] | None
    count: int = 0
    first_due: date | None = None


def _count(problems: Problems, count) -> int | None:
    ok = is_id(count) or (isinstance(count, str) and count.strip().isdigit())
    if ok and 1 <= int(count) <= rules.MAX_INSTALMENTS:
        return int(count)
    problems.add(
        "instalments",
        _l(
            "Give a number of instalments from 1 to %(max)d, or the schedule.",
            max=rules.MAX_INSTALMENTS,
        ),
    )
    return None


def plan_of(
    problems: Problems, kind, agreed_on: date, down_payment, count, first_due, schedule
) -> Plan | None:
    problems.one_of("kind", kind, InstallmentKind)
    down = _down_payment(problems, down_payment)
    deferral = kind == InstallmentKind.DEFERRAL
    problems.check(
        not deferral or down == 0,
        "down_payment",
        _l("A deferral has no down payment: the whole amount is paid later."),
    )
    if schedule not in (None, "", []):
        problems.check(
            count in (None, "") and first_due in (None, ""),
            "schedule",
            _l("Give either the schedule or the number of instalments, not both."),
        )
        items = _explicit_schedule(problems, schedule, agreed_on)
        number: int | None = len(items)
        plan = Plan(agreed_on, down, items)
    else:
        number = _count(problems, count)
        first = problems.day("first_due", first_due, _l("The first due date is required."))
        if first is not None:
            _check_dates(problems, "first_due", [rules.Instalment(1, first, ZERO)], agreed_on)
        plan = Plan(agreed_on, down, None, number or 0, first)
    problems.check(
        not deferral or number in (None, 1),
        "instalments",
        _l("A deferral is one instalment at a later date."),
    )
    return None if problems.messages else plan


def schedule_for(problems: Problems, plan: Plan, total: Decimal) -> list[rules.Instalment]:
    """The whole schedule (down payment first) for ``total``; refused unless it sums exactly."""
    if not problems.check(
        plan.down_payment < total,
        "down_payment",
        _l(
            "The down payment must be less than the covered total (¥%(total)s).",
            total=format_money(total),
        ),
    ):
        return []
    if plan.explicit is None:
        assert plan.first_due is not None  # plan_of refuses a monthly plan without it
        schedule = rules.monthly_schedule(
            total, plan.down_payment, plan.count, plan.first_due, plan.agreed_on
        )
        problems.check(
            all(item.amount > 0 for item in schedule),
            "instalments",
            _l("Too many instalments for ¥%(amount)s.", amount=format_money(total)),
        )
        return schedule
    down = rules.Instalment(rules.DOWN_PAYMENT, plan.agreed_on, plan.down_payment)
    schedule = [down, *plan.explicit] if plan.down_payment > 0 else plan.explicit
    added = rules.schedule_total(schedule)
    problems.check(
        added == total,
        "schedule",
        _l(
            "The down payment and the instalments add up to ¥%(sum)s; they must add up to "
            "the covered total, ¥%(total)s, exactly.",
            sum=format_money(added),
            total=format_money(total),
        ),
    )
    return schedule
