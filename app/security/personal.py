"""Personal-data masking decisions (docs/security.md, "Personal data"): who sees owners' personal
data unmasked, and the refusal to order or filter a list by a column masked for the user."""

from flask_babel import gettext
from werkzeug.exceptions import BadRequest

from app.domain.masking import personal_columns
from app.security.roles import PERSONAL_DATA, VIEW_PERSONAL_DATA
from app.security.scoping import has_permission


def can_view_personal_data() -> bool:
    return has_permission(VIEW_PERSONAL_DATA, PERSONAL_DATA)


def refuse_personal(columns, own, revealed: bool) -> None:
    """Ordering or filtering a list by a personal column (``own``: the list's personal fields)
    would tell its masked values apart: 400 (``BadRequest``) for a user who sees them masked
    (``revealed`` false)."""
    personal = personal_columns(columns, own)
    if personal and not revealed:
        raise BadRequest(
            gettext(
                "Personal data is masked for you: no ordering or filtering by %(columns)s.",
                columns=", ".join(personal),
            )
        )
