"""Staff as people read them: by full name in Chinese order (姓名: the family name first, no
space), not by the login name the records keep (``recorded_by``, ``decided_by``...)."""

import re

from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

CJK = re.compile(r"[\u3400-\u9fff]")


def full_name(first_name: str | None, last_name: str | None) -> str:
    """姓名 for Chinese names (王 + 小明 → 王小明); "First Last" for others."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


#: Who acts when no member of staff does (app/audit.py ``acting_as``, services' ``actor=``).
MACHINE_ACTORS = {
    "system": _l("System"),
    "cli": _l("Command line"),
    "online": _l("Owner online"),
    "seed-demo": _l("Demo data"),
    "complaint-check": _l("Daily complaint check"),
    "dunning-scan": _l("Dunning scan"),
}


def shown_name(names: dict[str, str], login: str | None) -> str:
    """``login`` as shown: the person's full name from ``names`` (``names_by_login``), the
    machine's name for a machine actor, else the login itself."""
    if not login:
        return ""
    return names.get(login) or str(MACHINE_ACTORS.get(login, login))


def names_by_login(session: Session) -> dict[str, str]:
    """Every user's full name by login name (the staff table is small: read whole)."""
    rows = session.execute(select(User.username, User.first_name, User.last_name))
    return {login: full_name(first, last) or login for login, first, last in rows}


def user_names(session: Session, user_ids: list[int]) -> list[str]:
    """The full names of the users ``user_ids`` (the login of one without), in that order."""
    rows = session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    names = names_by_login(session)
    known = {uid: names[login] for uid, login in rows}
    return [known.get(i, f"#{i}") for i in user_ids]


def name_of(session: Session, login: str | None) -> str:
    """``login``'s full name; the login itself for the system or someone unknown."""
    return shown_name(names_by_login(session), login)
