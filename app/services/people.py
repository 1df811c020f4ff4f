"""Staff as people read them: by full name in Chinese order (姓名: the family name first, no
space), not by the login name the records keep (``recorded_by``, ``decided_by``...)."""

import re

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

CJK = re.compile(r"[\u3400-\u9fff]")


def full_name(first_name: str | None, last_name: str | None) -> str:
    """姓名 for Chinese names (王 + 小明 → 王小明); "First Last" for others."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def names_by_login(session: Session) -> dict[str, str]:
    """Every user's full name by login name (the staff table is small: read whole)."""
    rows = session.execute(select(User.username, User.first_name, User.last_name))
    return {login: full_name(first, last) or login for login, first, last in rows}


def name_of(session: Session, login: str | None) -> str:
    """``login``'s full name; the login itself for the system or someone unknown."""
    if not login:
        return ""
    return names_by_login(session).get(login, login)
