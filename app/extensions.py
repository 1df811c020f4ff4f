"""Extension singletons and the unit of work.

``db`` is built on ``flask_appbuilder.Model.metadata`` so that FAB's security tables and ours
share one metadata (and one Alembic history). Services never commit: the edge that calls them
wraps the call in ``unit_of_work()``.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from sqlalchemy.orm import Session

db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back on any error."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
