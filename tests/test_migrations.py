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

from app.extensions import db
from app.factory import create_app
from app.models import Owner, Unit
from app.security.roles import ROLES


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


# --- d9e0f1a2b3c4: complaint flags computed when read ------------------------------------------

COMPLAINT_ROWS = [
    "INSERT INTO community (id, code, name, address, phone, payee_name, payee_bank, "
    "payee_account, payment_instructions) VALUES (1, 'A', 'a', '', '', '', '', '', '')",
    "INSERT INTO building (id, community_id, code, name) VALUES (1, 1, '1', '1')",
    "INSERT INTO unit (id, building_id, code, property_type, area, status) "
    "VALUES (1, 1, '101', 'residential', 80, 'occupied')",
    # answered a day late; resolved at 01:00 on 18 March in Shanghai, a day after its day
    "INSERT INTO complaint (id, community_id, unit_id, channel, category, description, "
    "received_at, received_on, logged_by, status, respond_by, resolve_by, acknowledged_at, "
    "resolved_at, response_overdue, resolution_overdue, nonpayment_reason) VALUES (1, 1, 1, "
    "'phone', 'other', 'x', '2026-03-10 01:00:00+00', '2026-03-10', 't', 'resolved', "
    "'2026-03-11 01:00:00+00', '2026-03-17', '2026-03-12 01:00:00+00', "
    "'2026-03-17 17:00:00+00', false, false, false)",
]


def _check_complaint_revision() -> None:
    """The revision keeps what the stored flags said, both ways."""
    db.session.remove()
    flask_migrate.downgrade(revision="c8d9e0f1a2b3")
    with db.engine.begin() as connection:
        for statement in COMPLAINT_ROWS:
            connection.execute(text(statement))
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT resolved_on, response_overdue_logged FROM complaint"))
        resolved_on, logged = row.one()
    assert (str(resolved_on), bool(logged)) == ("2026-03-18", False)
    flask_migrate.downgrade(revision="c8d9e0f1a2b3")
    with db.engine.connect() as connection:
        flags = "SELECT response_overdue, resolution_overdue FROM complaint"
        assert tuple(map(bool, connection.execute(text(flags)).one())) == (True, True)
    flask_migrate.upgrade()


def test_the_complaint_flags_revision_on_sqlite(tmp_path):
    with migrated(f"sqlite:///{tmp_path / 'flags.db'}", tmp_path):
        _check_complaint_revision()


@pytest.mark.postgres
def test_the_complaint_flags_revision_on_postgres(fresh_postgres_url, tmp_path):
    with migrated(fresh_postgres_url, tmp_path):
        _check_complaint_revision()
