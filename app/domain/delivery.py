"""Delivery rules: which channel a message to an owner takes, and SMS quiet hours.

Electronic delivery needs the owner's consent to electronic notices; without it, or without a
usable address, the message is a paper letter. An SMS carries text only, so a message with a
document attached goes by e-mail or letter. Quiet hours (*default* 21:00–08:00, business time)
hold SMS back until they end; e-mail and letters are not intrusive and are never held.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

EMAIL, SMS, LETTER = "email", "sms", "letter"

# Why a channel was not taken (shown translated in the outbox screen).
NO_CONSENT = "no_consent"
PREFERS_LETTER = "prefers_letter"
NO_EMAIL = "no_email"
EMAIL_NOT_CONFIGURED = "email_not_configured"
NO_PHONE = "no_phone"
SMS_NO_ATTACHMENT = "sms_no_attachment"


@dataclass(frozen=True)
class Recipient:
    """What the rules need to know about an owner."""

    consent: bool
    preferred: str  # sms, phone, email, letter, app
    email: str
    phone: str


@dataclass(frozen=True)
class Route:
    channel: str
    address: str  # e-mail address or phone number; empty for a letter
    reasons: tuple[str, ...]  # why preferred channels were passed over


def _missing(channel: str, owner: Recipient, email_ready: bool, attachment: bool) -> str | None:
    """Why ``channel`` cannot carry the message, or None if it can."""
    if channel == EMAIL:
        if not owner.email.strip():
            return NO_EMAIL
        return None if email_ready else EMAIL_NOT_CONFIGURED
    if not owner.phone.strip():
        return NO_PHONE
    return SMS_NO_ATTACHMENT if attachment else None


def choose_route(owner: Recipient, *, email_ready: bool, attachment: bool) -> Route:
    """The channel for one message: the owner's preference when it can carry the message,
    else another electronic channel, else a letter; ``reasons`` says why each was passed over.

    A preference for phone calls is served by SMS to the same number; the app has no gateway
    yet, so it is served like e-mail.
    """
    if not owner.consent:
        return Route(LETTER, "", (NO_CONSENT,))
    if owner.preferred == LETTER:
        return Route(LETTER, "", (PREFERS_LETTER,))
    order = (SMS, EMAIL) if owner.preferred in (SMS, "phone") else (EMAIL, SMS)
    reasons: list[str] = []
    for channel in order:
        missing = _missing(channel, owner, email_ready, attachment)
        if missing is None:
            address = owner.email if channel == EMAIL else owner.phone
            return Route(channel, address.strip(), tuple(reasons))
        reasons.append(missing)
    return Route(LETTER, "", tuple(reasons))


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``"21:00-08:00"`` -> (start, end); an empty value means no quiet hours."""
    if not text.strip():
        return None
    start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    return start, end


def quiet_until(local: datetime, quiet: tuple[time, time] | None) -> datetime | None:
    """When the quiet hours around ``local`` (an aware business-time instant) end, or None
    if ``local`` is outside them. The window may span midnight (21:00-08:00)."""
    if quiet is None:
        return None
    start, end = quiet
    now = local.time().replace(tzinfo=None)
    if start <= end:
        inside = start <= now < end
    else:
        inside = now >= start or now < end
    if not inside:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)
