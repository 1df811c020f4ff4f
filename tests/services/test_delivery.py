"""Delivery through the outbox: channel by consent, a real SMTP conversation, SMS gateways."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.models import Community, Unit
from app.services.delivery import (
    MAX_ATTEMPTS,
    DeliveryRefused,
    SmsGateway,
    TransientDeliveryError,
    due_messages,
    mark_posted,
    queue_message,
    resend_message,
    send_message,
)
from app.services.errors import DomainError
from tests.factories import make_owner
from tests.postgres import _free_port
from tests.smtp import smtp_server

PDF = b"%PDF-1.4\n% a notice\n"
DAYTIME = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
NIGHT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai


class CollectingGateway(SmsGateway):
    """A gateway that delivers (to a list) and may refuse a number for good."""

    sent: list[tuple[str, str]] = []

    def send(self, phone, text):
        if phone.startswith("000"):
            raise DeliveryRefused("unknown number")
        self.sent.append((phone, text))
        return f"gw-{len(self.sent)}"


@pytest.fixture
def notice_pdf(app) -> str:
    path = Path(app.config["WUYE_FILES_DIR"]) / "notices" / "2026-03" / "A-1-1-101.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    return "notices/2026-03/A-1-1-101.pdf"


def owner(session, email="wang@example.com", consent=True, channel="email", phone="13700001111"):
    return make_owner(
        session,
        session.get(Community, 1),
        "王五",
        email=email,
        phone=phone,
        e_notice_consent=consent,
        preferred_channel=channel,
    )


def notice(session, who, attachment=None):
    return queue_message(
        session,
        who,
        "notice",
        "2026年3月物业费缴费通知",
        "请于3月31日前缴费。",
        attachment=attachment,
        unit=session.get(Unit, 1),
        related="bill:1",
    )


def test_a_notice_is_emailed_with_its_pdf(session, smtp, notice_pdf):
    message = notice(session, owner(session), notice_pdf)
    assert (message.channel, message.status, message.recipient) == (
        "email",
        "queued",
        "wang@example.com",
    )
    assert message.community_id == 1

    send_message(session, message.id, now=DAYTIME)

    assert (message.status, message.attempts, message.error) == ("sent", 1, None)
    assert message.sent_at == DAYTIME
    [(recipients, email)] = smtp.messages
    assert recipients == ["wang@example.com"]
    assert email["Subject"] == "2026年3月物业费缴费通知"
    assert email["To"] == "wang@example.com"
    assert email["Message-ID"] == message.reference
    assert "请于3月31日前缴费。" in email.get_body(("plain",)).get_content()
    [pdf] = list(email.iter_attachments())
    assert (pdf.get_content_type(), pdf.get_filename()) == ("application/pdf", "A-1-1-101.pdf")
    assert pdf.get_content() == PDF


def test_a_sent_message_is_never_sent_again(session, smtp):
    message = notice(session, owner(session))
    send_message(session, message.id, now=DAYTIME)
    send_message(session, message.id, now=DAYTIME)
    assert (len(smtp.messages), message.attempts, message.status) == (1, 1, "sent")


def test_a_refused_recipient_fails_the_message_with_the_reason(session, smtp):
    message = notice(session, owner(session, email="nobody@example.com"))
    send_message(session, message.id, now=DAYTIME)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550" in message.error and "No such mailbox" in message.error
    assert smtp.messages == []


def test_a_busy_mailbox_is_retried_later(session, smtp):
    message = notice(session, owner(session, email="busy@example.com"))
    with pytest.raises(TransientDeliveryError, match="450"):
        send_message(session, message.id, now=DAYTIME)
    assert (message.status, message.attempts) == ("queued", 1)


def test_an_unreachable_server_leaves_the_message_queued_then_gives_up(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "WUYE_SMTP_PORT", _free_port())
    message = notice(session, owner(session))
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(TransientDeliveryError, match="127.0.0.1"):
            send_message(session, message.id, now=DAYTIME)
        assert (message.status, message.attempts) == ("queued", attempt)
        assert message.id in due_messages(session, DAYTIME)
    send_message(session, message.id, now=DAYTIME)  # the last attempt: given up
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "127.0.0.1" in message.error


def test_without_consent_the_notice_is_a_letter_to_print(session, smtp, notice_pdf):
    message = notice(session, owner(session, consent=False), notice_pdf)
    assert (message.channel, message.status, message.recipient) == ("letter", "to_print", "")
    assert message.channel_reasons == "no_consent"
    send_message(session, message.id, now=DAYTIME)
    assert (message.status, message.attempts, smtp.messages) == ("to_print", 0, [])
    mark_posted(session, message.id, now=DAYTIME)
    assert (message.status, message.sent_at) == ("sent", DAYTIME)
    with pytest.raises(DomainError):
        mark_posted(session, message.id)


def test_without_smtp_an_email_owner_gets_a_letter_and_the_reason(session, notice_pdf):
    message = notice(session, owner(session), notice_pdf)
    assert (message.channel, message.status) == ("letter", "to_print")
    assert message.channel_reasons == "email_not_configured,sms_no_attachment"


def test_without_smtp_a_text_only_reminder_goes_by_sms(session):
    message = notice(session, owner(session))
    assert (message.channel, message.recipient, message.channel_reasons) == (
        "sms",
        "13700001111",
        "email_not_configured",
    )


def test_the_default_sms_gateway_only_records(session):
    message = notice(session, owner(session, channel="sms"))
    assert (message.channel, message.status) == ("sms", "queued")
    send_message(session, message.id, now=DAYTIME)
    assert (message.status, message.attempts, message.reference) == ("recorded", 1, None)
    assert message.sent_at == DAYTIME


def test_a_gateway_named_by_dotted_path_is_used(app, session, monkeypatch):
    monkeypatch.setitem(
        app.config, "WUYE_SMS_GATEWAY", "tests.services.test_delivery.CollectingGateway"
    )
    monkeypatch.setattr(CollectingGateway, "sent", [])
    message = notice(session, owner(session, channel="sms"))
    refused = notice(session, owner(session, channel="sms", phone="00012345"))
    send_message(session, message.id, now=DAYTIME)
    send_message(session, refused.id, now=DAYTIME)
    text = "2026年3月物业费缴费通知\n请于3月31日前缴费。"
    assert CollectingGateway.sent == [("13700001111", text)]
    assert (message.status, message.reference) == ("sent", "gw-1")
    assert (refused.status, refused.error) == ("failed", "unknown number")


def test_sms_waits_for_the_end_of_quiet_hours(session):
    message = notice(session, owner(session, channel="sms"))
    send_message(session, message.id, now=NIGHT)
    assert (message.status, message.attempts) == ("queued", 0)
    assert message.not_before == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert due_messages(session, NIGHT) == []
    assert due_messages(session, message.not_before) == [message.id]
    send_message(session, message.id, now=message.not_before)
    assert message.status == "recorded"


def test_email_is_not_held_in_quiet_hours(session, smtp):
    message = notice(session, owner(session))
    send_message(session, message.id, now=NIGHT)
    assert (message.status, len(smtp.messages)) == ("sent", 1)


def test_consent_withdrawn_before_sending_skips_the_message(session, smtp):
    who = owner(session)
    message = notice(session, who)
    who.e_notice_consent = False
    send_message(session, message.id, now=DAYTIME)
    assert (message.status, message.attempts, smtp.messages) == ("skipped", 0, [])


def test_a_failed_message_can_be_sent_again(session, smtp):
    who = owner(session, email="nobody@example.com")
    message = notice(session, who)
    send_message(session, message.id, now=DAYTIME)
    assert message.status == "failed"
    with pytest.raises(DomainError):
        resend_message(session, notice(session, who).id)  # still queued: nothing to resend
    who.email = "wang@example.com"  # the address corrected
    resend_message(session, message.id)
    assert (message.status, message.error, message.attempts) == ("queued", None, 0)
    assert message.recipient == "wang@example.com"
    send_message(session, message.id, now=DAYTIME)
    assert (message.status, len(smtp.messages)) == ("sent", 1)


def test_a_message_needs_a_known_kind_and_a_subject(session):
    with pytest.raises(DomainError) as refused:
        queue_message(session, owner(session), "spam", " ")
    assert set(refused.value.messages) == {"kind", "subject"}


@pytest.mark.parametrize(("password", "status"), [("s3cret", "sent"), ("wrong", "failed")])
def test_the_configured_smtp_login_is_used(app, session, monkeypatch, password, status):
    with smtp_server(login=("wuye", "s3cret")) as (inbox, port):
        for key, value in (
            ("HOST", "127.0.0.1"),
            ("PORT", port),
            ("USER", "wuye"),
            ("PASSWORD", password),
        ):
            monkeypatch.setitem(app.config, f"WUYE_SMTP_{key}", value)
        message = notice(session, owner(session))
        send_message(session, message.id, now=DAYTIME)
    assert (message.status, len(inbox.messages)) == (status, int(status == "sent"))
    assert status == "sent" or "535" in message.error
