"""Fixtures of the screen tests."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def web(request, app):
    """(sign-in function, session on the same database): the screens on SQLite, or on a fresh
    copy of the world on PostgreSQL (the test runs on both)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("login"), request.getfixturevalue("session")
        return
    sign_in = request.getfixturevalue("pg_login")
    engine = create_engine(request.getfixturevalue("pg_world_url"))
    with Session(engine) as session, app.app_context():
        yield sign_in, session
    engine.dispose()
