"""The ``outbox`` resource: every message to owners and its status, read-only (a record);
the recipient is masked unless the user may see personal data."""

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import OutboxMessage

from .base import WuyeModelApi


class OutboxApi(WuyeModelApi):
    resource_name = "outbox"
    class_permission_name = "OutboxMessage"
    datamodel = SQLAInterface(OutboxMessage)
    include_route_methods = {"get", "get_list", "info", "export"}
    personal_fields = ("recipient",)
    list_columns = [
        "id",
        "community.code",
        "owner.id",
        "owner.name",
        "unit.code",
        "kind",
        "related",
        "channel",
        "recipient",
        "subject",
        "status",
        "error",
        "attempts",
        "created_at",
        "sent_at",
    ]
    show_columns = [*list_columns, "body", "attachment", "channel_reasons", "reference"]
    search_columns = ["community", "owner", "unit", "kind", "related", "channel", "status"]
    base_order = ("id", "desc")
