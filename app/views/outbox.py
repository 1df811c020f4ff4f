"""The outbox screen: every message to owners and what became of it (a record: no add, edit or
delete). Failed messages may be sent again, printed letters marked posted; the recipient is
masked unless the user may see personal data."""

from flask import flash, redirect, send_file
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.domain import delivery as rules
from app.extensions import unit_of_work
from app.labels import LABELS
from app.models import OutboxMessage
from app.models.outbox import MessageKind, OutboxStatus
from app.models.types import Channel
from app.security.scoping import in_scope
from app.services.delivery import attachment_path, mark_posted, resend_message
from app.services.errors import DomainError
from jobs.delivery import enqueue_delivery

from .base import WuyeModelView
from .columns import enum_select, local_time
from .row_actions import refusal_text

CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.LETTER)

REASONS = {
    rules.NO_CONSENT: _l("no consent to electronic notices"),
    rules.PREFERS_LETTER: _l("prefers letters"),
    rules.NO_EMAIL: _l("no e-mail address"),
    rules.EMAIL_NOT_CONFIGURED: _l("e-mail is not set up"),
    rules.NO_PHONE: _l("no phone number"),
    rules.SMS_NO_ATTACHMENT: _l("an SMS cannot carry the document"),
}


def reasons_text(codes: str) -> str:
    return "; ".join(str(REASONS.get(code, code)) for code in codes.split(",") if code)


class OutboxView(WuyeModelView):
    datamodel = SQLAInterface(OutboxMessage)
    class_permission_name = "OutboxMessage"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "resend": "write",
        "posted": "write",
        "document": "read",
    }
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Outbox")
    enums = {"status": OutboxStatus, "kind": MessageKind, "channel": Channel}
    personal_fields = ("recipient",)
    list_columns = [
        "created_at",
        "community",
        "owner",
        "unit",
        "kind",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
    ]
    show_columns = [
        *list_columns,
        "body",
        "attachment",
        "related",
        "channel_reasons",
        "error",
        "reference",
        "not_before",
    ]
    search_columns = ["status", "channel", "kind", "community", "created_at"]
    search_form_extra_fields = {
        "status": enum_select(LABELS["status"], OutboxStatus),
        "kind": enum_select(LABELS["kind"], MessageKind),
        "channel": SelectField(
            LABELS["channel"], choices=lambda: [(c.value, c.label) for c in CHANNELS]
        ),
    }
    formatters_columns = {
        "created_at": local_time,
        "sent_at": local_time,
        "not_before": local_time,
        "channel_reasons": reasons_text,
    }
    base_order = ("id", "desc")

    def _each(self, items, operation, then=lambda done: None) -> list[int]:
        """Run ``operation(session, id)`` on every selected message, then ``then(ids done)``, in
        one unit of work; flash why any was refused, and return the ids done."""
        items = items if isinstance(items, list) else [items]
        done, refused = [], []
        with unit_of_work() as session:
            for item in filter(None, items):  # FAB passes None for an unknown key
                try:
                    done.append(operation(session, item.id).id)
                except DomainError as err:
                    refused.append(f"#{item.id}: {refusal_text(err)}")
            then(done)
        if refused:
            flash(" ".join(refused), "warning")
        return done

    @action("resend", _l("Send again"), _l("Send the selected failed messages again?"), "fa-redo")
    def resend(self, items):
        done = self._each(items, resend_message, lambda ids: enqueue_delivery(ids, again=True))
        if done:
            flash(gettext("Messages queued again: %(count)d.", count=len(done)), "success")
        return redirect(self.get_redirect())

    @action("posted", _l("Mark posted"), _l("Were the selected letters posted?"), "fa-envelope")
    def posted(self, items):
        done = self._each(items, mark_posted)
        if done:
            flash(gettext("Letters marked posted: %(count)d.", count=len(done)), "success")
        return redirect(self.get_redirect())

    @action("document", _l("Document (PDF)"), "", "fa-file-pdf", multiple=False)
    def document(self, item):
        """The message's PDF, to print a letter or to check what was sent."""
        # FAB loads the row of an action without the view's filters: check the scope here.
        path = attachment_path(item) if item is not None and in_scope(item) else None
        if path is None or not path.is_file():
            flash(gettext("This message has no document."), "warning")
            return redirect(self.get_redirect())
        return send_file(path, mimetype="application/pdf", download_name=path.name)
