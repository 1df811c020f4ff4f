"""Delivery rules: the channel chosen from consent and preference; SMS quiet hours."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.domain.delivery import Recipient, choose_route, parse_quiet_hours, quiet_until

SHANGHAI = ZoneInfo("Asia/Shanghai")


def route(
    consent=True,
    preferred="email",
    email="a@example.com",
    phone="13800000000",
    email_ready=True,
    attachment=False,
):
    found = choose_route(
        Recipient(consent, preferred, email, phone), email_ready=email_ready, attachment=attachment
    )
    return found.channel, found.address, ",".join(found.reasons)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ("email", "a@example.com", "")),
        ({"consent": False}, ("letter", "", "no_consent")),
        ({"preferred": "letter"}, ("letter", "", "prefers_letter")),
        ({"preferred": "sms"}, ("sms", "13800000000", "")),
        ({"preferred": "phone"}, ("sms", "13800000000", "")),
        ({"preferred": "app"}, ("email", "a@example.com", "")),
        ({"preferred": "sms", "attachment": True}, ("email", "a@example.com", "sms_no_attachment")),
        ({"email": " "}, ("sms", "13800000000", "no_email")),
        ({"email_ready": False}, ("sms", "13800000000", "email_not_configured")),
        (
            {"email_ready": False, "attachment": True},
            ("letter", "", "email_not_configured,sms_no_attachment"),
        ),
        ({"email": "", "phone": ""}, ("letter", "", "no_email,no_phone")),
        ({"email": " b@example.com "}, ("email", "b@example.com", "")),
    ],
)
def test_channel(kwargs, expected):
    assert route(**kwargs) == expected


def test_quiet_hours_parse():
    assert parse_quiet_hours("21:00-08:00") == (time(21), time(8))
    assert parse_quiet_hours(" ") is None


@pytest.mark.parametrize(
    ("hour", "minute", "until"),
    [
        (20, 59, None),
        (21, 0, datetime(2026, 3, 2, 8, 0)),
        (23, 30, datetime(2026, 3, 2, 8, 0)),
        (0, 0, datetime(2026, 3, 1, 8, 0)),
        (7, 59, datetime(2026, 3, 1, 8, 0)),
        (8, 0, None),
        (12, 0, None),
    ],
)
def test_quiet_hours_over_midnight(hour, minute, until):
    local = datetime(2026, 3, 1, hour, minute, tzinfo=SHANGHAI)
    expected = until.replace(tzinfo=SHANGHAI) if until else None
    assert quiet_until(local, (time(21), time(8))) == expected


def test_quiet_hours_within_a_day_and_none():
    local = datetime(2026, 3, 1, 13, 0, tzinfo=SHANGHAI)
    assert quiet_until(local, (time(12), time(14))) == datetime(2026, 3, 1, 14, tzinfo=SHANGHAI)
    assert quiet_until(local, None) is None
