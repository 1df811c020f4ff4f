"""Test fixtures: one migrated app per run, a fresh database for every test.

The schema is built once by the real Alembic migration into a template SQLite file; before each
test that uses the app, the template is copied over the working file, so tests never see each
other's rows. The template holds two communities (A and B) with a few units and owners, and one
user per role; staff other than Admin and Auditor work for community A only.
"""

import shutil
import threading
import time
from datetime import UTC, datetime

import flask_migrate
import pytest
from flask import g
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from app.audit import acting_as
from app.extensions import db, unit_of_work
from app.factory import create_app
from app.models import StaffAssignment
from app.security.roles import ROLES
from jobs import wait as wait_for_jobs
from tests.factories import (
    make_building,
    make_community,
    make_owner,
    make_ownership,
    make_tariff,
    make_unit,
)

PASSWORD = "Test-Pass-2026"

# Property tests: bounded in the README's test command; ``--hypothesis-profile=nightly`` for a
# long run by hand or at night. No deadline: a step may wait on the database.
settings.register_profile(
    "default",
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "nightly", parent=settings.get_profile("default"), max_examples=500, stateful_step_count=60
)
settings.load_profile("default")


# --- The clock: no test may depend on the day it runs -------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead",
        type=int,
        default=0,
        metavar="DAYS",
        help="run with this process's wall clock DAYS ahead (time-machine), from collection on",
    )


def pytest_configure(config):
    days = config.getoption("--clock-ahead")
    if days:
        from datetime import timedelta

        import time_machine

        config._clock_ahead = time_machine.travel(datetime.now(UTC) + timedelta(days=days))
        config._clock_ahead.start()


def pytest_unconfigure(config):
    if getattr(config, "_clock_ahead", None) is not None:
        config._clock_ahead.stop()


#: The instant of the ``clock`` fixture: 10:00 on 20 November 2026 in Shanghai.
CLOCK_NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock(_tokens):
    """The wall clock at ``CLOCK_NOW``, ticking on: for a test whose world is built around the
    day it runs and whose services read "today" themselves (rather than being told the day).
    API tokens issued at another time are forgotten (one from the future is not yet valid)."""
    import time_machine

    _tokens.clear()
    with time_machine.travel(CLOCK_NOW, tick=True) as traveller:
        yield traveller
    _tokens.clear()


USERNAMES = {role: role.lower() for role in ROLES}


def _build_world(app) -> None:
    sm = app.appbuilder.sm
    with acting_as("fixtures"), unit_of_work() as session:
        for code, name in (("A", "安居小区"), ("B", "碧园小区")):
            community = make_community(session, code, name)
            building = make_building(session, community, "1")
            for n, (unit_code, owner_name, phone) in enumerate(
                (
                    ("1-1-101", f"{code}业主甲", "13812345678"),
                    ("1-1-102", f"{code}业主乙", "13912345679"),
                ),
                start=1,
            ):
                unit = make_unit(session, building, unit_code, area=f"{80 + n}.50")
                owner = make_owner(session, community, owner_name, phone=phone)
                make_ownership(session, unit, owner)
            make_tariff(session, community)
    for role in ROLES:
        user = sm.add_user(
            USERNAMES[role],
            role,
            "测试",
            f"{role.lower()}@example.com",
            sm.find_role(role),
            password=PASSWORD,
        )
        if role not in ("Admin", "Auditor"):
            with unit_of_work() as session:
                session.add(StaffAssignment(user_id=user.id, community_id=1))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wuye")
    db_file = folder / "wuye.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "tests-only-secret-key-of-at-least-32-bytes",
            "WUYE_FILES_DIR": str(folder / "files"),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        _build_world(app)
        db.session.remove()
        db.engine.dispose()
    shutil.copy(db_file, folder / "template.db")
    app.config["TEST_DB_FILE"] = db_file
    return app


@pytest.fixture(autouse=True)
def _no_clock_left():
    """No test may start embedded mode's clock: the thread would outlive the test and queue
    periodic jobs on the test database while later tests run."""
    yield
    assert "wuye-clock" not in {thread.name for thread in threading.enumerate()}


@pytest.fixture(autouse=True)
def _fresh_database(request):
    """Restore the template database before every test that uses the app, once the jobs an
    earlier test queued (e.g. deliveries after a dunning scan) are done: copying the file
    under a job writing to it corrupts it."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    db_file = app.config["TEST_DB_FILE"]
    assert wait_for_jobs(60), "a job queued by an earlier test still runs"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.copy(db_file.with_name("template.db"), db_file)
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def _push_request_context():
    """Replaces pytest-flask's autouse fixture, which keeps one request context (and so one
    ``g``, with Flask-Login's user and Flask-Babel's locale) open across a whole test."""
    yield


def server_like_client(app) -> FlaskClient:
    """A test client of ``app`` whose every request runs in its own app context (own ``g``,
    own database session), as in production, even while a test holds a session open."""

    class Client(FlaskClient):
        def open(self, *args, **kwargs):
            # Read (and close) a streamed answer, as a server does, unless asked not to.
            kwargs.setdefault("buffered", True)
            with app.app_context():
                return super().open(*args, **kwargs)

    return Client(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app):
    """The test app's ``server_like_client``."""
    return server_like_client(app)


@pytest.fixture
def session(app):
    """The app's session, outside any request: services act as the system."""
    with app.app_context():
        g.pop("user", None)
        yield db.session
        db.session.rollback()


@pytest.fixture(scope="session")
def _tokens():
    """role -> (when minted, monotonic seconds; the headers carrying the token)."""
    return {}


TOKEN_REUSE_SECONDS = 10 * 60


@pytest.fixture
def api(app, client, _tokens):
    """``api(role)`` -> headers with a bearer token of that role's test user."""

    def headers(role: str) -> dict:
        # An access token lives 15 minutes (FAB's JWT default): a slow run outlives the first.
        minted, cached = _tokens.get(role, (None, None))
        if minted is None or time.monotonic() - minted > TOKEN_REUSE_SECONDS:
            response = client.post(
                "/api/v1/security/login",
                json={"username": USERNAMES[role], "password": PASSWORD, "provider": "db"},
            )
            assert response.status_code == 200, response.json
            cached = {"Authorization": f"Bearer {response.json['access_token']}"}
            _tokens[role] = (time.monotonic(), cached)
        return cached

    return headers


@pytest.fixture
def login(client):
    """``login(role)`` signs the test client in through the login form."""

    def sign_in(role: str):
        client.get("/logout/")
        response = client.post("/login/", data={"username": USERNAMES[role], "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return client

    return sign_in


@pytest.fixture
def wuye(app):
    """``wuye(*args)``: ``flask wuye <args>`` run in the test app; its click result."""
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["wuye", *args])

    return invoke


@pytest.fixture
def files_dir(app, tmp_path, monkeypatch):
    """A ``WUYE_FILES_DIR`` of the test's own (the app's lasts the whole run)."""
    monkeypatch.setitem(app.config, "WUYE_FILES_DIR", str(tmp_path))
    return tmp_path


# --- PostgreSQL: a private server for the run (tests/postgres.py) -------------------------------


@pytest.fixture(scope="session")
def postgres_cluster():
    """The throw-away PostgreSQL cluster of this run (``tests/postgres.py``), or None when
    ``WUYE_TEST_POSTGRES_URL`` names a server. Skips without PostgreSQL, except under CI=true,
    where it fails."""
    import os

    from tests import postgres

    if os.environ.get(postgres.ENV_URL):
        yield None
        return
    bindir = postgres.find_bindir()
    if bindir is None:
        message = "no PostgreSQL: set WUYE_TEST_POSTGRES_URL or install postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    cluster = postgres.TempCluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster):
    """URL of an empty PostgreSQL database: ``WUYE_TEST_POSTGRES_URL``, or the run's cluster."""
    import os

    from tests import postgres

    return postgres_cluster.url() if postgres_cluster else os.environ[postgres.ENV_URL]


@pytest.fixture
def fresh_postgres_url(postgres_url):
    """URL of a new, empty database on the test server, dropped after the test."""
    from tests import postgres

    url = postgres.create_database(postgres_url)
    yield url
    postgres.drop_database(url)


@pytest.fixture(scope="session")
def postgres_world(postgres_url, tmp_path_factory):
    """Name of a migrated PostgreSQL database holding the same world as the SQLite template."""
    from sqlalchemy.engine import make_url

    from tests import postgres

    url = postgres.create_database(postgres_url)
    pg_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "tests-only-secret-key-of-at-least-32-bytes",
            "WUYE_FILES_DIR": str(tmp_path_factory.mktemp("pg-files")),
        }
    )
    with pg_app.app_context():
        flask_migrate.upgrade()
        _build_world(pg_app)
        db.session.remove()
        db.engine.dispose()
    return make_url(url).database


@pytest.fixture
def pg_world_url(postgres_url, postgres_world):
    """URL of a fresh copy of the PostgreSQL world, dropped after the test."""
    from tests import postgres

    url = postgres.create_database(postgres_url, template=postgres_world)
    yield url
    postgres.drop_database(url)


@pytest.fixture
def pg_app(pg_world_url, tmp_path):
    """The app on a fresh copy of the PostgreSQL world: screens tested on PostgreSQL too."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": pg_world_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "tests-only-secret-key-of-at-least-32-bytes",
            "WUYE_FILES_DIR": str(tmp_path / "files"),
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request, app):
    """The test app on SQLite, or ``pg_app`` on PostgreSQL: a command tested on both. It asks
    for ``app`` itself, so that ``_fresh_database`` restores SQLite's world first."""
    return app if request.param == "sqlite" else request.getfixturevalue("pg_app")


@pytest.fixture
def pg_login(pg_app):
    """``pg_login(role)``: a client of ``pg_app`` signed in through the login form."""

    def sign_in(role: str):
        client = server_like_client(pg_app)
        response = client.post("/login/", data={"username": USERNAMES[role], "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return client

    return sign_in


@pytest.fixture
def pg_session(pg_world_url):
    """A session on a fresh copy of the PostgreSQL world, for service tests on PostgreSQL."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(pg_world_url)
    with Session(engine) as pg:
        yield pg
        pg.rollback()
    engine.dispose()


# --- Redis: a private server for the run (job tests) -------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """URL of a throw-away ``redis-server`` (tests/redis_server.py), stopped after the run.
    Skips without redis-server, except under CI=true, where it fails."""
    import subprocess

    from tests import redis_server

    redis_server.require()
    port = redis_server.free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(redis_server.command(port, folder), stdout=subprocess.DEVNULL)
    try:
        try:
            redis_server.wait_until_it_answers(port)
        except TimeoutError as err:
            pytest.fail(str(err), pytrace=False)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- SMTP: a real server on a free port (delivery tests) ----------------------------------------


@pytest.fixture
def smtp(app, monkeypatch):
    """The inbox of a running SMTP server (tests/smtp.py) that the app is configured to use."""
    from tests.smtp import smtp_server

    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "WUYE_SMTP_PORT", port)
        yield inbox
