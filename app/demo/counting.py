"""What the demo holds, counted: each part's ``counts`` reads its rows of the demo's
communities once every part has run (a later part adds to an earlier one's: payments)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def counter(session: Session, ids: list[int]):
    """``count(model, *where)``: the rows of ``model`` (a community's) in the communities
    ``ids`` that meet ``where``."""

    def count(model, *where) -> int:
        query = select(func.count()).select_from(model).where(model.community_id.in_(ids), *where)
        return session.scalar(query) or 0

    return count
