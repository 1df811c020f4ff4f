"""Query-string filters shared by the read-only finders (arrears, key figures): a day, a month,
a community the caller may see. Each adds a message naming its field to ``problems`` and
returns the default, so that one refusal lists every bad field."""

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from app.services.errors import NotFoundError, Problems
from app.services.queries import whole_number


def day_arg(problems: Problems, args: Mapping[str, str], field: str, default: date) -> date:
    """``args[field]`` as a day written YYYY-MM-DD (``Problems.day``); ``default`` when absent."""
    return problems.day(field, args.get(field)) or default


def month_arg(problems: Problems, args: Mapping[str, str], field: str, default: date) -> date:
    """``args[field]`` as the first day of the month written YYYY-MM; ``default`` when absent."""
    if not args.get(field):
        return default
    return problems.month(field, args[field]) or default


def community_arg(
    problems: Problems, args: Mapping[str, str], visible: set[int] | None
) -> set[int] | None:
    """The communities asked for: ``{community_id}``, or all ``visible`` ones (None: all).

    :raises NotFoundError: for a community the caller may not see.
    """
    if not args.get("community_id"):
        return visible
    community_id = whole_number(args["community_id"])
    if community_id is None:
        problems.add("community_id", _l("Not a number."))
        return visible
    if visible is not None and community_id not in visible:
        raise NotFoundError(community_id=_l("Unknown community."))
    return {community_id}
