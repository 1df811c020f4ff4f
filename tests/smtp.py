"""A real SMTP server for delivery tests (aiosmtpd on a free local port).

Recipients starting with ``nobody@`` are refused for good (550), ``busy@`` for now (450);
accepted messages are kept parsed in ``inbox.messages``. With ``login=(user, password)`` the
server accepts mail only after that login (without TLS, as on a trusted local relay).
"""

from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.postgres import _free_port


class Inbox:
    def __init__(self, login_required: bool = False):
        self.messages = []
        self.login_required = login_required

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.login_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy@"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"


@contextmanager
def smtp_server(login: tuple[str, str] | None = None):
    """``(inbox, port)`` of a running SMTP server, stopped afterwards."""
    inbox = Inbox(login_required=login is not None)
    options = {}
    if login is not None:
        expected = LoginPassword(login[0].encode(), login[1].encode())

        def authenticate(server, session, envelope, mechanism, data):
            return AuthResult(success=data == expected, handled=False)

        options = {"auth_require_tls": False, "authenticator": authenticate}
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), **options)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
