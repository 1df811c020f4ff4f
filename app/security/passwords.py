"""The password policy: how strong a staff member's password must be (Flask-AppBuilder's
password complexity validator, set by ``app.factory.create_app``)."""

import re

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import lazy_gettext as _l


def password_strength(password: str) -> None:
    """At least 10 characters mixing three of: lower case, upper case, digits, symbols."""
    classes = sum(
        bool(re.search(p, password or "")) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^a-zA-Z\d]")
    )
    if len(password or "") < 10 or classes < 3:
        raise PasswordComplexityValidationError(
            _l(
                "The password needs at least 10 characters and three of: lower case, "
                "upper case, digits, symbols."
            )
        )
