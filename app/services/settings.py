"""Administrator settings: the *default* numbers of the domain rules, overridable per install."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Setting
from app.models.complaints import ComplaintCategory

DEFAULTS = {
    "notice_days": "30",  # tariff change: days between publication and valid-from
    "due_days": "30",
    "late_fee_daily_rate": "0.0005",
    "late_fee_grace_days": "0",
    "late_fee_cap_ratio": "1.0",
    "warn_days": "7",  # early warning: bills falling due within this many days
    "quiet_hours": "21:00-08:00",  # business time: no SMS (or calls) then; empty = none
    "min_amount": "1.00",  # dunning: no action for a smaller balance
    "min_gap_days": "5",  # dunning: at most one reminder per owner in this many days
    "letter_deadline_days": "15",  # dunning: days a formal letter gives to pay
    "first_contact_days": "3",  # collection campaign: days to reach every owner
    "public_url": "",  # surveys: the address owners open survey links at (on notices)
    "complaint_response_hours": "24",  # complaints: first response within these hours
    "complaint_resolution_days": "7",  # complaints: resolution days of every category ...
    **{f"complaint_resolution_days_{c}": "" for c in ComplaintCategory},  # ... unless set here
    "installment_grace_days": "15",  # an instalment this many days late: default
    "max_payment": "1000000.00",  # payments: the largest amount one payment may record
    "billing_months_ahead": "3",  # billing runs: at most this many months past this month
    "opening_late_fees": "0",  # moving in: opening arrears bear late fees (1) or not (0)
    # documents: the property-service company issuing them (party A of an agreement)
    "company_name": "",
    "company_address": "",
    "company_phone": "",
    "company_seal": "",
}

#: Settings that take one of a few words.
CHOICES = {"opening_late_fees": ("0", "1")}

#: Each setting as the administrator reads it: what it is, and what it does.
EXPLAINED = {
    "notice_days": (
        _l("Tariff notice (days)"),
        _l("Days between publishing a tariff and the day it takes effect."),
    ),
    "due_days": (_l("Days to pay a bill"), _l("A bill falls due this many days after issue.")),
    "late_fee_daily_rate": (
        _l("Late fee per day"),
        _l("The share of the overdue principal charged each day, e.g. 0.0005 (0.05%)."),
    ),
    "late_fee_grace_days": (
        _l("Late fee grace (days)"),
        _l("Days after the due date before a late fee starts."),
    ),
    "late_fee_cap_ratio": (
        _l("Late fee cap"),
        _l("The late fee never exceeds this multiple of the principal, e.g. 1.0."),
    ),
    "warn_days": (
        _l("Early warning (days)"),
        _l("Bills falling due within this many days are on the early-warning list."),
    ),
    "quiet_hours": (
        _l("Quiet hours"),
        _l("No text message or call in these hours, e.g. 21:00-08:00; empty: none."),
    ),
    "min_amount": (
        _l("Smallest balance pursued (¥)"),
        _l("No dunning action for a smaller overdue balance."),
    ),
    "min_gap_days": (
        _l("Days between reminders"),
        _l("At most one reminder to an owner in this many days."),
    ),
    "letter_deadline_days": (
        _l("Formal letter: days to pay"),
        _l("The days a formal letter gives the owner to pay."),
    ),
    "first_contact_days": (
        _l("Campaign: days to first contact"),
        _l("A collection campaign reaches every owner within this many days."),
    ),
    "public_url": (
        _l("Public address"),
        _l("The address owners open survey links at, printed on notices."),
    ),
    "complaint_response_hours": (
        _l("Complaint response (hours)"),
        _l("A complaint gets its first response within this many hours."),
    ),
    "complaint_resolution_days": (
        _l("Complaint resolution (days)"),
        _l("A complaint is resolved within this many days, unless its category says."),
    ),
    **{
        f"complaint_resolution_days_{c}": (
            _l("Complaint resolution (days): %(category)s", category=c.label),
            _l("Empty: the days of every category."),
        )
        for c in ComplaintCategory
    },
    "installment_grace_days": (
        _l("Instalment grace (days)"),
        _l("An instalment this many days late puts the agreement in default."),
    ),
    "max_payment": (
        _l("Largest payment (¥)"),
        _l("The largest amount one payment may record."),
    ),
    "billing_months_ahead": (
        _l("Billing: months ahead"),
        _l("A billing run may bill at most this many months past this month."),
    ),
    "opening_late_fees": (
        _l("Late fees on opening arrears"),
        _l(
            "1: arrears brought in when moving in bear late fees from their due date, by the "
            "community's tariff; 0: they bear none."
        ),
    ),
    "company_name": (
        _l("Company name"),
        _l(
            "The property-service company that issues receipts, notices and agreements; empty: "
            "each community's payee."
        ),
    ),
    "company_address": (
        _l("Company address"),
        _l("Printed under the company's name; empty: the community's address."),
    ),
    "company_phone": (
        _l("Company phone"),
        _l("Printed under the company's name; empty: the community's phone."),
    ),
    "company_seal": (
        _l("Seal text"),
        _l("The text of the company's seal, printed where an agreement is sealed."),
    ),
}


def setting_problem(key: str, value: str):
    """Why ``value`` cannot be stored under ``key`` (a lazy message), or None. A number's
    setting takes a number of the same kind as its default."""
    if key not in DEFAULTS:
        return _l("Unknown setting.")
    default, value = DEFAULTS[key], (value or "").strip()
    if key in CHOICES and value not in CHOICES[key]:
        return _l("Choose one of: %(values)s.", values=", ".join(CHOICES[key]))
    if re.fullmatch(r"[0-9]+", default) and not re.fullmatch(r"[0-9]+", value):
        return _l("A whole number, e.g. %(example)s.", example=default)
    if re.fullmatch(r"[0-9]+\.[0-9]+", default) and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        return _l("A number, e.g. %(example)s.", example=default)
    return None


def get_setting(session: Session, key: str) -> str:
    """The stored value of ``key``, or its default."""
    stored = session.scalar(select(Setting.value).where(Setting.key == key))
    return stored if stored is not None else DEFAULTS[key]


def get_int(session: Session, key: str) -> int:
    return int(get_setting(session, key))
