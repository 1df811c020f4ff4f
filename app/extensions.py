"""Extension singletons and the unit of work.

``db`` is built on ``flask_appbuilder.Model.metadata`` so that FAB's security tables and ours
share one metadata (and one Alembic history). Services never commit: the edge that calls them
wraps the call in ``unit_of_work()``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from sqlalchemy.orm import Session

db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate()


AFTER_COMMIT = "wuye_after_commit"
DEPTH = "wuye_unit_of_work"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back on any error. What the block
    asked to do after the commit (``after_commit``) runs once it is committed, never after a
    rollback."""
    session = db.session
    session.info[DEPTH] = session.info.get(DEPTH, 0) + 1
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        raise
    finally:
        session.info[DEPTH] -= 1
    for callback in session.info.pop(AFTER_COMMIT, ()):
        callback()


def in_unit_of_work(session: Session) -> bool:
    return session.info.get(DEPTH, 0) > 0


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the unit of work holding ``session`` has committed."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)
