"""Fixtures of the service tests."""

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, app):
    """The test world's session on SQLite, or on a fresh copy of it on PostgreSQL (the test
    runs on both)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("session")
        return
    pg = request.getfixturevalue("pg_session")
    with app.app_context():
        yield pg
