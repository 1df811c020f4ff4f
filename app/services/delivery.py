"""Delivery of notices, letters and reminders to owners, through the outbox.

``queue_message`` writes every message to the outbox on the channel the owner's consent and
preference allow (``app.domain.delivery``): e-mail and SMS start ``queued``, letters ``to_print``.
``send_message`` delivers one queued message — e-mail over SMTP with its PDF, SMS through the
configured gateway — and is idempotent: anything not ``queued`` is left alone, so a message is
never sent twice by a repeated job. A transient failure (server unreachable, 4xx) is counted on
the message and raised for the caller to commit and retry; a permanent one (5xx) marks the
message ``failed`` with the reason. An owner who withdrew consent meanwhile is ``skipped``.
"""

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from app.clock import business_zone
from app.domain.delivery import (
    EMAIL,
    LETTER,
    SMS,
    Recipient,
    choose_route,
    parse_quiet_hours,
    quiet_until,
)
from app.files import stored_file
from app.models import OutboxMessage, Owner, Unit
from app.models.outbox import MessageKind, OutboxStatus
from app.security.scoping import in_scope
from app.services.errors import DomainError, NotFoundError, Problems
from app.services.settings import get_setting

MAX_ATTEMPTS = 5  # transient failures before a message is given up as failed
SMTP_TIMEOUT = 30  # seconds


class TransientDeliveryError(Exception):
    """Delivery may succeed later (server unreachable, 4xx): retry."""


class DeliveryRefused(Exception):
    """Delivery refused for good (5xx, unknown number): the message fails with this reason."""


class SmsGateway:
    """Base of SMS gateways, named by dotted path in ``WUYE_SMS_GATEWAY``.

    ``send`` returns the provider's reference for the message, raises ``DeliveryRefused`` for a
    permanent refusal and ``TransientDeliveryError`` when it is worth trying again.
    ``delivers`` is False for a gateway that only records (the message ends ``recorded``).
    """

    delivers = True

    def __init__(self, config):
        self.config = config

    def send(self, phone: str, text: str) -> str | None:
        raise NotImplementedError


class RecordingSmsGateway(SmsGateway):
    """The default: sends nothing. The outbox row is the record, marked ``recorded`` rather
    than ``sent``, so that nobody mistakes it for proof that the owner was reached."""

    delivers = False

    def send(self, phone: str, text: str) -> str | None:
        return None


def email_configured() -> bool:
    return bool(current_app.config.get("WUYE_SMTP_HOST"))


def sms_gateway() -> SmsGateway:
    return import_string(current_app.config["WUYE_SMS_GATEWAY"])(current_app.config)


def attachment_path(message: OutboxMessage) -> Path | None:
    """The message's PDF on disk, if it has one."""
    return stored_file(message.attachment)


def queue_message(
    session: Session,
    owner: Owner,
    kind: str,
    subject: str,
    body: str = "",
    attachment: str | None = None,
    unit: Unit | None = None,
    related: str | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Write a message to ``owner`` to the outbox on the channel the rules choose.

    :param attachment: a PDF path relative to ``WUYE_FILES_DIR``.
    :param related: the record it is about, as ``"table:id"`` (e.g. ``"bill:42"``).
    :param flush: False to leave the flush (and so the id) to the caller, writing many.
    :returns: the message, ``queued`` for e-mail and SMS (deliver it after the commit with
        ``jobs.delivery.enqueue_delivery``) or ``to_print`` for a letter.
    """
    problems = Problems()
    problems.check(kind in set(MessageKind), "kind", _l("Unknown kind of message."))
    problems.check(
        0 < len(subject.strip()) <= 200, "subject", _l("Give a subject of 1 to 200 characters.")
    )
    problems.raise_if_any()
    route = choose_route(
        Recipient(
            consent=bool(owner.e_notice_consent),
            preferred=owner.preferred_channel or "",
            email=owner.email or "",
            phone=owner.phone or "",
        ),
        email_ready=email_configured(),
        attachment=attachment is not None,
    )
    message = OutboxMessage(
        community_id=unit.scope_community_id if unit is not None else owner.community_id,
        owner=owner,
        unit=unit,
        channel=route.channel,
        kind=kind,
        recipient=route.address,
        subject=subject,
        body=body,
        attachment=attachment,
        related=related,
        channel_reasons=",".join(route.reasons),
        status=OutboxStatus.TO_PRINT if route.channel == LETTER else OutboxStatus.QUEUED,
        attempts=0,
        created_at=datetime.now(UTC),
    )
    session.add(message)
    if flush:
        session.flush()
    return message


def _email(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config["WUYE_MAIL_FROM"]
    email["To"] = message.recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=config["WUYE_MAIL_FROM"].rpartition("@")[2] or None)
    email.set_content(message.body or message.subject)
    if message.attachment:
        path = attachment_path(message)
        if path is None or not path.is_file():
            raise DeliveryRefused(f"attachment missing: {message.attachment}")
        email.add_attachment(
            path.read_bytes(), maintype="application", subtype="pdf", filename=path.name
        )
    return email


def _smtp_code_error(code: int, text) -> Exception:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    error = TransientDeliveryError if 400 <= code < 500 else DeliveryRefused
    return error(f"SMTP {code} {text}")


def send_email(message: OutboxMessage) -> str:
    """Send ``message`` over SMTP; returns its Message-ID."""
    config = current_app.config
    email = _email(message)
    host, port = config["WUYE_SMTP_HOST"], config["WUYE_SMTP_PORT"]
    try:
        smtp: smtplib.SMTP
        if config["WUYE_SMTP_SSL"]:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with smtp:
            if config["WUYE_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["WUYE_SMTP_USER"]:
                smtp.login(config["WUYE_SMTP_USER"], config["WUYE_SMTP_PASSWORD"] or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as err:
        code, text = next(iter(err.recipients.values()))
        raise _smtp_code_error(code, text) from err
    except smtplib.SMTPResponseException as err:
        raise _smtp_code_error(err.smtp_code, err.smtp_error) from err
    except smtplib.SMTPNotSupportedError as err:
        raise DeliveryRefused(f"SMTP: {err}") from err
    except (smtplib.SMTPException, OSError) as err:  # unreachable, timed out, disconnected
        raise TransientDeliveryError(f"SMTP {host}:{port}: {err}") from err
    return email["Message-ID"]


def _sms_text(message: OutboxMessage) -> str:
    return "\n".join(part for part in (message.subject, message.body) if part)


def _transmit(message: OutboxMessage) -> tuple[str, str | None]:
    """Hand the message to its channel; returns the final status and the reference."""
    if message.channel == EMAIL:
        if not email_configured():
            raise DeliveryRefused("e-mail is not configured (WUYE_SMTP_HOST)")
        return OutboxStatus.SENT, send_email(message)
    gateway = sms_gateway()
    reference = gateway.send(message.recipient, _sms_text(message))
    return (OutboxStatus.SENT if gateway.delivers else OutboxStatus.RECORDED), reference


def _quiet_until(session: Session, now: datetime) -> datetime | None:
    quiet = parse_quiet_hours(get_setting(session, "quiet_hours"))
    until = quiet_until(now.astimezone(business_zone()), quiet)
    return until.astimezone(UTC) if until is not None else None


def send_message(session: Session, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """Deliver one queued message and record the outcome on it.

    Not ``queued`` (already sent, failed, a letter…) or held until later: nothing happens.
    An SMS due in quiet hours is held (``not_before``) until they end.

    :raises TransientDeliveryError: after counting the attempt (flushed): commit, then retry.
    """
    message = session.get(OutboxMessage, message_id, with_for_update=True)  # unscoped: a job
    if message is None:
        raise NotFoundError(message=_l("Unknown message."))
    now = now or datetime.now(UTC)
    if message.status != OutboxStatus.QUEUED or (message.not_before and now < message.not_before):
        return message
    if not message.owner.e_notice_consent:
        message.status, message.error = OutboxStatus.SKIPPED, "consent withdrawn since queued"
        session.flush()
        return message
    if message.channel == SMS:
        message.not_before = _quiet_until(session, now)
        if message.not_before is not None:
            session.flush()
            return message
    message.attempts += 1
    try:
        message.status, message.reference = _transmit(message)
    except DeliveryRefused as err:
        message.status, message.error = OutboxStatus.FAILED, str(err)
    except TransientDeliveryError as err:
        message.error = str(err)
        if message.attempts < MAX_ATTEMPTS:
            session.flush()
            raise
        message.status = OutboxStatus.FAILED
    else:
        message.sent_at, message.error = now, None
    session.flush()
    return message


def due_messages(session: Session, now: datetime | None = None) -> list[int]:
    """Ids of queued messages that may be sent now (missed, retried or held until now)."""
    now = now or datetime.now(UTC)
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED,
        (OutboxMessage.not_before.is_(None)) | (OutboxMessage.not_before <= now),
    )
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def _scoped(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)  # unscoped: a job
    if message is None or not in_scope(message):
        raise NotFoundError(message=_l("Unknown message."))
    return message


def resend_message(session: Session, message_id: int) -> OutboxMessage:
    """Queue a failed message again, to the owner's current address on the same channel (the
    address or the server may have been fixed since); its attempts count from zero again."""
    message = _scoped(session, message_id)
    if message.status != OutboxStatus.FAILED:
        raise DomainError(status=_l("Only a failed message can be sent again."))
    current = message.owner.email if message.channel == EMAIL else message.owner.phone
    message.recipient = (current or "").strip() or message.recipient
    message.status, message.error, message.not_before = OutboxStatus.QUEUED, None, None
    message.attempts = 0
    session.flush()
    return message


def mark_posted(session: Session, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """Record that a printed letter was posted (or handed over)."""
    message = _scoped(session, message_id)
    if message.status != OutboxStatus.TO_PRINT:
        raise DomainError(status=_l("Only a letter waiting to be printed can be marked posted."))
    message.status, message.sent_at = OutboxStatus.SENT, now or datetime.now(UTC)
    session.flush()
    return message
