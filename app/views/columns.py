"""How a screen shows and edits a column's value: instants in the business time zone, enum
labels, blanks for nothing, masked personal data, drop-downs of an enum's members."""

from flask import g
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import InputRequired

from app.clock import business_zone
from app.domain.masking import MASKERS
from app.extensions import db
from app.security.personal import can_view_personal_data
from app.services.people import names_by_login, shown_name


def local_time(value) -> str:
    """An instant as the business clock shows it."""
    return value.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def enum_select(label, enum) -> SelectField:
    """A drop-down of ``enum``'s members with their translated labels."""
    return SelectField(label, choices=enum.choices, validators=[InputRequired()])


class CommaSeparatedSelect(SelectMultipleField):
    """A multi-select stored as a comma-separated string (e.g. tariff property types)."""

    def process_data(self, value):
        self.data = [v for v in (value or "").split(",") if v] if isinstance(value, str) else value

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or []))


def enum_label(enum):
    """A list/show formatter printing a member's translated label."""

    def fmt(value):
        if value is None:
            return ""
        try:
            return enum(value).label
        except ValueError:
            return value

    return fmt


def blank_if_none(value):
    """Empty dates and numbers show as nothing rather than "None"."""
    return "" if value is None else value


def yes_no(value) -> str:
    return str(_l("Yes") if value else _l("No"))


def masked(field: str, allowed=can_view_personal_data):
    """A list/show formatter: ``field`` masked unless ``allowed()`` (the user may see personal
    data)."""

    def fmt(value):
        return value if allowed() else MASKERS[field](value)

    return fmt


def person(login) -> str:
    """A login name (``recorded_by``...) shown as the person's full name (app.services.people);
    the names are read once a request."""
    names = g.get("wuye_names")
    if names is None:
        names = g.wuye_names = names_by_login(db.session)
    return shown_name(names, login)
