"""``create_app()`` builds the Flask application (docs/architecture.md).

Nothing is registered at import time: the views, the APIs, the CLI and the job schedule are
imported inside ``create_app``, so that importing any module of ``app``, ``jobs`` or
``reports`` builds no application and imports no screen.
"""

from pathlib import Path

from flask import Flask
from sqlalchemy import event

import config

ROOT = Path(__file__).resolve().parent.parent


def _sqlite_foreign_keys(engine) -> None:
    """SQLite enforces foreign keys only when asked, per connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application from ``config.py``, the ``WUYE_*`` variables and ``overrides``."""
    from flask_appbuilder import AppBuilder
    from flask_appbuilder.api import BaseApi
    from flask_wtf.csrf import CSRFProtect

    from app import (  # noqa: F401 (tables)
        audit,  # noqa: F401  (install the audit listener)
        errors,
        guards,
        headers,
        locale,
        lockout,
        models,
        sessions,
    )
    from app.api import register_apis
    from app.cli import register_cli
    from app.domain.money import format_money
    from app.domain.rates import format_percent
    from app.extensions import db, migrate
    from app.security.passwords import password_strength
    from app.security.roles import FAB_ROLES
    from app.views import register_views
    from app.views.home import HomeView
    from app.views.users import WuyeSecurityManager
    from jobs import init_app as init_jobs

    app = Flask("app", instance_path=str(ROOT / "instance"))
    app.config.update(config.load(app.instance_path))
    app.config["FAB_ROLES"] = FAB_ROLES
    app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = password_strength
    app.config.update(overrides or {})
    Path(app.config["WUYE_FILES_DIR"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    with app.app_context():
        _sqlite_foreign_keys(db.engine)
        appbuilder = AppBuilder(indexview=HomeView, security_manager_class=WuyeSecurityManager)
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        register_apis(appbuilder)
        # FAB limits the login form only; the JSON login gets the same limit here.
        appbuilder.sm.limiter.limit(app.config["AUTH_RATE_LIMIT"], methods=["POST"])(
            app.blueprints["SecurityApi"]
        )
        # Forms carry CSRF tokens (and FAB then refuses state-changing GETs); the JSON API
        # authenticates every call with a bearer token instead.
        csrf = CSRFProtect(app)
        for view in appbuilder.baseviews:
            if isinstance(view, BaseApi):
                csrf.exempt(app.blueprints[view.blueprint.name])
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["percent"] = format_percent
    register_cli(app)
    errors.init_app(app)
    guards.init_app(app)
    sessions.init_app(app)
    headers.init_app(app)
    lockout.init_app(app)
    locale.init_app(app)
    init_jobs(app)
    return app
