"""What dunning writes to owners (docs/domain.md §6): the consolidated text reminder listing
every unpaid item of an owner, and the formal letter (催缴函) queued once rendered, in the
document language. The daily scan (``app.services.dunning``) decides who is written to.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import dunning as rules
from app.domain.dunning import ActionKind
from app.domain.money import format_money
from app.models import Bill, DunningAction, OutboxMessage, Owner, Unit
from app.models.outbox import MessageKind
from app.services.delivery import queue_message
from app.services.ledger import OPEN_STATUSES

LANG = "zh"  # owners are written to in the document language


def unpaid_items(session: Session, owner_id: int, until: date) -> list[Bill]:
    """The owner's unpaid bills due on or before ``until``, by unit and due date."""
    return list(
        session.scalars(
            # unscoped: an owner's bills for the reminders and letters of the dunning scan
            select(Bill)
            .join(Unit, Unit.id == Bill.unit_id)
            .where(
                Bill.owner_id == owner_id,
                Bill.status.in_(OPEN_STATUSES),
                Bill.balance > 0,
                Bill.due_date <= until,
            )
            .order_by(Unit.code, Bill.due_date, Bill.id)
        )
    )


def reminder_text(
    session: Session, owner: Owner, actions: Iterable[DunningAction], as_of: date
) -> tuple[str, str]:
    """Subject and body of the consolidated reminder: every unpaid item of the owner due by the
    latest due date the reminder is about."""
    actions = list(actions)
    overdue = any(a.level >= rules.FRIENDLY for a in actions)
    lead = max((-a.days_overdue for a in actions), default=0)
    bills = unpaid_items(session, owner.id, as_of + timedelta(days=max(lead, 0)))
    total = sum((bill.balance for bill in bills), Decimal("0.00"))
    with force_locale(LANG):
        subject = gettext("Overdue property fees") if overdue else gettext("Payment reminder")
        lines = [gettext("Dear %(name)s,", name=owner.name)]
        lines += [
            gettext(
                "%(unit)s %(number)s (%(start)s to %(end)s): ¥%(balance)s, due %(due)s",
                unit=bill.unit.code,
                number=bill.number,
                start=bill.period_start.isoformat(),
                end=bill.period_end.isoformat(),
                balance=format_money(bill.balance),
                due=bill.due_date.isoformat(),
            )
            for bill in bills
        ]
        lines.append(gettext("Total: ¥%(total)s.", total=format_money(total)))
        lines.append(
            gettext(
                "Please pay at your convenience. If anything about these fees is unclear or "
                "paying is difficult for you, please tell the property service centre."
            )
        )
    return subject, "\n".join(lines)


# --- The formal letter -----------------------------------------------------------------------


def letter_actions(session: Session, owner_id: int, as_of: date) -> list[DunningAction]:
    """The owner's actions of ``as_of`` that the day's letter answers for (not yet sent)."""
    return list(
        session.scalars(
            # unscoped: the actions a letter of the dunning jobs answers for
            select(DunningAction)
            .where(
                DunningAction.owner_id == owner_id,
                DunningAction.scheduled_on == as_of,
                DunningAction.kind.in_(rules.MESSAGE_KINDS),
                DunningAction.outbox_message_id.is_(None),
            )
            .order_by(DunningAction.id)
        )
    )


def letter_number(owner_id: int, as_of: date) -> str:
    return f"CJH-{as_of:%Y%m%d}-{owner_id:06d}"


def letter_file(owner_id: int, as_of: date) -> str:
    return f"dunning/letters/{letter_number(owner_id, as_of)}.pdf"


def record_letter(
    session: Session, owner_id: int, as_of: date, attachment: str
) -> OutboxMessage | None:
    """Queue the rendered letter (``attachment``, under ``WUYE_FILES_DIR``) to the owner and
    link the day's actions to it; None when it was recorded before."""
    actions = letter_actions(session, owner_id, as_of)
    letters = [a for a in actions if a.kind == ActionKind.LETTER]
    if not letters:
        return None
    owner = session.get(Owner, owner_id)  # unscoped: the owner of actions being written
    assert owner is not None  # the actions found above are the owner's
    with force_locale(LANG):
        subject = gettext("Formal demand for overdue property fees")
        body = gettext(
            "Please find attached our formal demand for payment, letter %(number)s.",
            number=letter_number(owner_id, as_of),
        )
    message = queue_message(
        session,
        owner,
        MessageKind.LETTER,
        subject,
        body,
        attachment=attachment,
        unit=letters[0].unit,
        related=f"dunning_action:{letters[0].id}",
    )
    for action in actions:
        action.outbox_message = message
        action.channel = message.channel
    for action in letters:
        action.document = attachment
    session.flush()
    return message
