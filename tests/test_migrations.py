"""The Alembic history builds the whole schema from nothing, on SQLite and on PostgreSQL.

Each test makes its own app on an empty database (a second ``create_app`` in one process is
supported) and runs the real migrations, as ``flask db upgrade`` does.
"""

from contextlib import contextmanager

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DatabaseError

from app import create_app
from app.extensions import db
from app.models import Owner, Unit
from app.security import ROLES


@contextmanager
def migrated(url: str, tmp_path):
    """An app context on ``url`` after ``flask db upgrade``."""
    engine_options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):  # a lock left by the test fails it instead of hanging it
        engine_options["connect_args"] = {"options": "-c lock_timeout=30s"}
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "SECRET_KEY": "tests-only-secret-key-of-at-least-32-bytes",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "WUYE_FILES_DIR": str(tmp_path / "files"),
        }
    )
    with app.app_context():
        try:
            flask_migrate.upgrade()
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _check_schema() -> None:
    tables = set(inspect(db.engine).get_table_names())
    missing = set(Model.metadata.tables) - tables
    assert not missing, f"tables the migrations do not create: {sorted(missing)}"
    assert "alembic_version" in tables

    with db.engine.connect() as connection:
        roles = set(connection.scalars(text("SELECT name FROM ab_role")))
        assert set(ROLES) <= roles
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, Model.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def _check_audit_log_is_append_only() -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, username, action, table_name) "
                "VALUES (CURRENT_TIMESTAMP, 'test', 'create', 'community')"
            )
        )
    for statement in ("UPDATE audit_log SET username = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(text(statement))
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT username FROM audit_log")) == "test"


def _check_downgrade() -> None:
    db.session.remove()  # an open transaction would hold locks that DROP TABLE waits for
    flask_migrate.downgrade(revision="base")
    left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert not left, f"tables left after downgrade to base: {sorted(left)}"


def test_migrations_on_sqlite(tmp_path):
    with migrated(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path):
        _check_schema()
        _check_audit_log_is_append_only()
        _check_downgrade()


@pytest.mark.postgres
def test_migrations_on_postgres(fresh_postgres_url, tmp_path):
    with migrated(fresh_postgres_url, tmp_path):
        _check_schema()
        _check_audit_log_is_append_only()
        _check_downgrade()


def _counts() -> tuple[int, int, int]:
    with db.engine.connect() as connection:
        return (
            connection.scalar(select(func.count(Unit.id))),
            connection.scalar(select(func.count(Owner.id))),
            connection.scalar(text("SELECT count(*) FROM ab_user")),
        )


@pytest.mark.postgres
def test_seed_demo_is_idempotent_on_postgres(fresh_postgres_url, tmp_path):
    with migrated(fresh_postgres_url, tmp_path) as app:
        runner = app.test_cli_runner()
        first = runner.invoke(args=["wuye", "seed-demo", "--units", "20"])
        assert first.exit_code == 0, first.output + repr(first.exception)
        assert "Wuye-Demo-2026" in first.output
        counts = _counts()
        assert counts == (40, 40, 6)

        second = runner.invoke(args=["wuye", "seed-demo", "--units", "20"])
        assert second.exit_code == 0, second.output + repr(second.exception)
        assert _counts() == counts
