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
}


def setting_problem(key: str, value: str):
    """Why ``value`` cannot be stored under ``key`` (a lazy message), or None. A number's
    setting takes a number of the same kind as its default."""
    if key not in DEFAULTS:
        return _l("Unknown setting.")
    default, value = DEFAULTS[key], (value or "").strip()
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
