"""The context of each document: a plain dict with every figure already computed.

Figures come from the services (the account statement, the allocations); templates only lay
them out. Labels of enumerations stay lazy, so they are translated in the document's language
when rendered. Rows outside the user's communities are unknown, as in the services.
"""

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.domain.money import ZERO
from app.domain.numerals import amount_in_capitals
from app.models import Bill, Community, Receipt
from app.models.types import Basis, BillStatus, PaymentMethod
from app.security import in_scope
from app.services.accounts import Statement, account_statement
from app.services.errors import DomainError, NotFoundError
from app.services.settings import business_date, business_zone


def issuer(community: Community) -> dict:
    return {"name": community.name, "address": community.address, "phone": community.phone}


def notice_figures(statement: Statement, bill_id: int) -> dict:
    """What a bill's notice asks for, as of the statement's date (domain §3).

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
    bill = session.get(Bill, bill_id)
    if bill is None or not in_scope(bill):
        raise NotFoundError(bill_id=_l("Unknown bill."))
    if bill.status == BillStatus.CANCELLED:
        raise DomainError(bill_id=_l("This bill is cancelled."))
    as_of = as_of or business_date()
    community = bill.community
    return {
        "number": bill.number,
        "issuer": issuer(community),
        "stamp": None,
        "issued_on": as_of,
        "community": community.name,
        "unit": bill.unit.code,
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
        "payee": {
            "name": community.payee_name,
            "bank": community.payee_bank,
            "account": community.payee_account,
        },
        "instructions": community.payment_instructions,
    }


def receipt_context(session, receipt_id: int) -> dict:
    """A receipt (收据) as issued: the allocations made with the payment, the rest as credit.

    Credit of the payment applied to later bills, and bills cancelled since, do not change the
    receipt; a reversed payment's receipt is stamped void.

    :raises NotFoundError: unknown receipt, or outside the user's communities.
    """
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or not in_scope(receipt):
        raise NotFoundError(receipt_id=_l("Unknown receipt."))
    payment = receipt.payment
    # record_payment stamps the payment, its allocations and its receipt with one instant;
    # later rows of the same payment (credit applied, a bill cancelled) come after it.
    at_issue = [a for a in payment.allocations if a.applied_at <= receipt.issued_at]
    allocated = sum((a.principal + a.late_fee for a in at_issue), ZERO)
    zone = business_zone()
    return {
        "number": receipt.number,
        "issuer": issuer(receipt.community),
        "stamp": _l("Void") if receipt.void else None,
        "void_reason": receipt.void_reason or "",
        "issued_at": receipt.issued_at.astimezone(zone),
        "community": receipt.community.name,
        "unit": payment.unit.code,
        "payer": payment.owner.name if payment.owner else "",
        "paid_at": payment.paid_at.astimezone(zone),
        "method": PaymentMethod(payment.method).label,
        "reference": payment.reference or "",
        "cashier": payment.recorded_by,
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
