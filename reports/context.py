"""The context of each document: a plain dict with every figure already computed.

Figures come from the services (the account statement, the allocations); templates only lay
them out. Labels of enumerations stay lazy, so they are translated in the document's language
when rendered. Rows outside the user's communities are unknown, as in the services.
"""

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.clock import business_date, business_zone
from app.domain.collection import ACTION_OF
from app.domain.masking import mask_phone
from app.domain.money import ZERO
from app.domain.numerals import amount_in_capitals
from app.domain.payment_codes import payment_code
from app.models import Bill, Community, DunningAction, Receipt
from app.models.collection import (
    ContactChannel,
    ContactOutcome,
    TaskAction,
)
from app.models.dunning import DunningActionKind
from app.models.installments import InstallmentKind, InstallmentStatus, instalment_label
from app.models.outbox import OutboxStatus
from app.models.types import Basis, BillStatus, PaymentMethod
from app.services.accounts import Statement, account_statement
from app.services.collection import get_campaign
from app.services.collection_tasks import contacts_since
from app.services.dunning_legal import case_letters, evidence_number
from app.services.dunning_messages import letter_actions, letter_number, unpaid_items
from app.services.errors import DomainError, NotFoundError
from app.services.installments import get_installment
from app.services.people import name_of
from app.services.rows import find_row
from app.services.settings import get_setting
from app.services.surveys import survey_invitation


def issuer(session, community: Community) -> dict:
    """Who issues a document: the property-service company (the administrator's settings
    ``company_*``), else the community's payee; and the community it is about."""
    company = {key: get_setting(session, f"company_{key}") for key in COMPANY}
    return {
        "name": company["name"] or community.payee_name or community.name,
        "address": company["address"] or community.address,
        "phone": company["phone"] or community.phone,
        "seal": company["seal"],
        "community": community.name,
    }


COMPANY = ("name", "address", "phone", "seal")


def payee(community: Community) -> dict:
    """Where owners pay the community's fees."""
    return {
        "name": community.payee_name,
        "bank": community.payee_bank,
        "account": community.payee_account,
    }


def notice_figures(statement: Statement, bill_id: int) -> dict:
    """What a bill's notice asks for, as of the statement's date (docs/domain.md §3).

    Bills due after this one are not brought forward; the unit's credit pays what is due. For
    the unit's latest bill ``total_due`` is the statement's total due.
    """
    index = next(i for i, line in enumerate(statement.lines) if line.bill_id == bill_id)
    this, earlier = statement.lines[index], statement.lines[:index]
    arrears = sum((line.principal_due for line in earlier), ZERO)
    late_fees = sum((line.balance - line.principal_due for line in (*earlier, this)), ZERO)
    owed = this.principal_due + arrears + late_fees
    credit = min(statement.credit, owed)
    return {
        "charges": this.total,
        "settled": this.total - this.principal_due,  # paid or waived on this bill already
        "arrears": arrears,
        "late_fees": late_fees,
        "credit": credit,
        "total_due": owed - credit,
    }


def notice_context(session, bill_id: int, as_of: date | None = None) -> dict:
    """The payment notice (缴费通知单) of a bill, with late fees to ``as_of`` (default today).

    :raises NotFoundError: unknown bill, or outside the user's communities.
    :raises DomainError: the bill is cancelled (its replacement has the notice).
    """
    bill = find_row(session, Bill, bill_id, bill_id=_l("Unknown bill."))
    if bill.status == BillStatus.CANCELLED:
        raise DomainError(bill_id=_l("This bill is cancelled."))
    as_of = as_of or business_date()
    community = bill.community
    return {
        "number": bill.number,
        "issuer": issuer(session, community),
        "stamp": None,
        "issued_on": as_of,
        "community": community.name,
        "unit": bill.unit.code,
        "payment_code": bill.unit.payment_code,
        "area": bill.unit.area,
        "owner": bill.owner.name if bill.owner else "",
        "period_start": bill.period_start,
        "period_end": bill.period_end,
        "due_date": bill.due_date,
        "lines": [
            {
                "item": line.name,
                "basis": Basis(line.basis).label,
                "area": line.area if line.basis == Basis.AREA else None,
                "price": line.price,
                "months": line.months,
                "amount": line.amount,
            }
            for line in bill.lines
            if not line.cancelled
        ],
        **notice_figures(account_statement(session, bill.unit_id, as_of), bill.id),
        "payee": payee(community),
        "instructions": community.payment_instructions,
        "survey": survey_invitation(session, bill.unit_id, as_of),  # the unit's survey link
    }


def receipt_context(session, receipt_id: int) -> dict:
    """A receipt (收据) as issued: the allocations made with the payment, the rest as credit.

    Credit of the payment applied to later bills, and bills cancelled since, do not change the
    receipt; a reversed payment's receipt is stamped void.

    :raises NotFoundError: unknown receipt, or outside the user's communities.
    """
    receipt = find_row(session, Receipt, receipt_id, receipt_id=_l("Unknown receipt."))
    payment = receipt.payment
    # record_payment stamps the payment, its allocations and its receipt with one instant;
    # later rows of the same payment (credit applied, a bill cancelled) come after it.
    at_issue = [a for a in payment.allocations if a.applied_at <= receipt.issued_at]
    allocated = sum((a.principal + a.late_fee for a in at_issue), ZERO)
    zone = business_zone()
    return {
        "number": receipt.number,
        "issuer": issuer(session, receipt.community),
        "stamp": _l("Void") if receipt.void else None,
        "void_reason": receipt.void_reason or "",
        "issued_at": receipt.issued_at.astimezone(zone),
        "community": receipt.community.name,
        "unit": payment.unit.code,
        "payer": payment.owner.name if payment.owner else "",
        "paid_at": payment.paid_at.astimezone(zone),
        "method": PaymentMethod(payment.method).label,
        "reference": payment.reference or "",
        "cashier": name_of(session, payment.recorded_by),
        "allocations": [
            {
                "bill": a.bill.number,
                "period_start": a.bill.period_start,
                "period_end": a.bill.period_end,
                "principal": a.principal,
                "late_fee": a.late_fee,
                "amount": a.principal + a.late_fee,
            }
            for a in sorted(at_issue, key=lambda a: (a.bill.due_date, a.bill_id))
        ],
        "credit_added": payment.amount - allocated,
        "total": payment.amount,
        "total_in_words": amount_in_capitals(Decimal(payment.amount)),
    }


def _statement_rows(statement: Statement, bill_ids: set[int] | None = None) -> list[dict]:
    return [
        {
            "number": line.number,
            "period_start": line.period_start,
            "period_end": line.period_end,
            "due_date": line.due_date,
            "principal": line.principal_due,
            "late_fee": line.balance - line.principal_due,
            "balance": line.balance,
        }
        for line in statement.lines
        if line.balance > 0 and (bill_ids is None or line.bill_id in bill_ids)
    ]


def dunning_letter_context(session, owner_id: int, as_of: date) -> dict:
    """The formal dunning letter (正式催缴函, docs/domain.md §6) to an owner: per unit, each overdue
    bill with its late fee to ``as_of``, the total, and the deadline of the demand.

    :raises DomainError: the owner has no letter due that day.
    """
    letters = [a for a in letter_actions(session, owner_id, as_of) if a.kind == "letter"]
    if not letters:
        raise DomainError(owner_id=_l("No formal letter is due to this owner on that day."))
    bills = unpaid_items(session, owner_id, as_of - timedelta(days=1))
    units = []
    for unit_id in dict.fromkeys(bill.unit_id for bill in bills):
        statement = account_statement(session, unit_id, as_of)
        rows = _statement_rows(statement, {bill.id for bill in bills})
        total = sum((row["balance"] for row in rows), ZERO)
        units.append(
            {
                "unit": statement.unit_code,
                "payment_code": payment_code(unit_id),
                "bills": rows,
                "total": total,
            }
        )
    community = letters[0].community
    return {
        "number": letter_number(owner_id, as_of),
        "issuer": issuer(session, community),
        "stamp": None,
        "issued_on": as_of,
        "community": community.name,
        "owner": letters[0].owner.name,
        "units": units,
        "total": sum((unit["total"] for unit in units), ZERO),
        "deadline": letters[0].deadline,
        "payee": payee(community),
    }


def evidence_pack_context(session, action_id: int) -> dict:
    """The evidence pack (证据材料) of an approved legal proposal: the case's actions, the
    delivery records of what was written to the owner, the contact log (every call and visit
    recorded on the unit's collection tasks since the case opened) and the account statement as
    of today. The formal letters themselves are appended to the PDF by the job."""
    action = find_row(session, DunningAction, action_id, action_id=_l("Unknown legal proposal."))
    case, zone = action.case, business_zone()
    messages = {a.outbox_message.id: a.outbox_message for a in case.actions if a.outbox_message}
    statement = account_statement(session, case.unit_id, business_date())
    return {
        "number": evidence_number(action),
        "issuer": issuer(session, action.community),
        "stamp": None,
        "community": action.community.name,
        "unit": case.unit.code,
        "owner": case.owner.name if case.owner else "",
        "opened_on": case.opened_on,
        "proposed_on": action.scheduled_on,
        "amount": action.amount,
        "days_overdue": action.days_overdue,
        "decided_by": action.decided_by or "",
        "decided_at": action.decided_at.astimezone(zone) if action.decided_at else None,
        "decision_note": action.decision_note or "",
        "actions": [
            {
                "on": a.scheduled_on,
                "level": a.level,
                "kind": DunningActionKind(a.kind).label,
                "channel": a.channel,
                "by": a.created_by,
                "outcome": ContactOutcome(a.outcome).label if a.outcome else "",  # a visit's
            }
            for a in case.actions
        ],
        "deliveries": [
            {
                "created_at": m.created_at.astimezone(zone),
                "channel": m.channel,
                "subject": m.subject,
                "status": OutboxStatus(m.status).label,
                "sent_at": m.sent_at.astimezone(zone) if m.sent_at else None,
                "reference": m.reference or "",
            }
            for m in sorted(messages.values(), key=lambda m: m.id)
        ],
        "contacts": [
            {
                "on": attempt.at.astimezone(zone).date(),
                "channel": ContactChannel(attempt.channel).label,
                "outcome": ContactOutcome(attempt.outcome).label,
            }
            for attempt in contacts_since(session, case.unit_id, case.opened_on)
        ],
        "statement": _statement_rows(statement),
        "credit": statement.credit,
        "total_due": statement.total_due,
        "as_of": statement.as_of,
        "letters": case_letters(action),  # appended to the PDF
    }


def task_sheet_context(session, campaign_id: int, assignee_id: int, reveal: bool) -> dict:
    """One staff member's task sheet (清欠任务单) of a campaign; phones masked unless ``reveal``.

    :raises NotFoundError: for a campaign the user may not see or staff without tasks in it.
    """
    campaign = get_campaign(session, campaign_id)
    tasks = sorted(
        (t for t in campaign.tasks if t.assignee_id == assignee_id), key=lambda t: t.unit.code
    )
    if not tasks:
        raise NotFoundError(assignee_id=_l("No task of this campaign is assigned to them."))
    staff = tasks[0].assignee
    return {
        "number": f"{campaign.community.code}-{campaign.id:04d}-{staff.username}",
        "issuer": issuer(session, campaign.community),
        "stamp": None,
        "campaign": campaign.name,
        "community": campaign.community.name,
        "started_on": campaign.started_on,
        "first_contact_by": campaign.first_contact_by,
        "staff": f"{staff.last_name}{staff.first_name} ({staff.username})",
        "tasks": [
            {
                "unit": t.unit.code,
                "owner": t.owner.name if t.owner else "",
                "phone": t.phone if reveal else mask_phone(t.phone),
                "arrears": t.arrears_at_start,
                "days_overdue": t.days_overdue_at_start,
            }
            for t in tasks
        ],
        "total": sum((t.arrears_at_start for t in tasks), ZERO),
        "outcomes": [
            (ContactOutcome(outcome).label, TaskAction(action).label)
            for outcome, action in ACTION_OF.items()
        ],
    }


def installment_agreement_context(session, agreement_id: int) -> dict:
    """The installment or deferral agreement (分期/暂缓协议, docs/domain.md §8) as drafted, for both
    parties to sign: the covered bills with their amounts on the agreement's date, the schedule
    (the down payment first), the grace days; a rejected or cancelled one is stamped so.

    :raises NotFoundError: unknown agreement, or outside the user's communities.
    """
    agreement = get_installment(session, agreement_id)
    community = agreement.community
    withdrawn = (InstallmentStatus.REJECTED, InstallmentStatus.CANCELLED)
    return {
        "number": agreement.number,
        "issuer": issuer(session, community),
        "stamp": InstallmentStatus(agreement.status).label
        if agreement.status in withdrawn
        else None,
        "community": community.name,
        "unit": agreement.unit.code,
        "owner": agreement.owner.name if agreement.owner else "",
        "kind": InstallmentKind(agreement.kind).label,
        "agreed_on": agreement.agreed_on,
        "bills": [
            {
                "number": link.bill.number,
                "period_start": link.bill.period_start,
                "period_end": link.bill.period_end,
                "due_date": link.bill.due_date,
                "amount": link.amount,
            }
            for link in agreement.bills
        ],
        "covered_total": agreement.covered_total,
        "total_in_words": amount_in_capitals(Decimal(agreement.covered_total)),
        "schedule": [
            {
                "label": instalment_label(item.seq),
                "due_date": item.due_date,
                "amount": item.amount,
            }
            for item in agreement.instalments
        ],
        "grace_days": agreement.grace_days,
        "payee": payee(community),
    }
