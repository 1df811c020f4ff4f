"""Configuration: embedded defaults, overridden by the ``WUYE_*`` environment variables.

``load(instance_path)`` returns a plain dict for ``app.config``; nothing secret lives here.
"""

import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

ROOT = Path(__file__).resolve().parent

LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}


def _secret_key(instance_path: Path) -> str:
    """Return ``WUYE_SECRET_KEY`` or a key generated once and kept in the instance folder."""
    if os.environ.get("WUYE_SECRET_KEY"):
        return os.environ["WUYE_SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def load(instance_path: str) -> dict:
    """Build the configuration for an app whose instance folder is ``instance_path``."""
    instance = Path(instance_path)
    env = os.environ.get
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": env("WUYE_DATABASE_URL", f"sqlite:///{instance / 'wuye.db'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WUYE_REDIS_URL": env("WUYE_REDIS_URL") or None,
        # A worker beats this often for the job it runs; three beats missed: the job is lost.
        "WUYE_JOB_HEARTBEAT": int(env("WUYE_JOB_HEARTBEAT") or 30),
        "WUYE_FILES_DIR": env("WUYE_FILES_DIR", str(instance / "files")),
        "WUYE_TIMEZONE": env("WUYE_TIMEZONE", "Asia/Shanghai"),
        "WUYE_LOCALE": env("WUYE_LOCALE", "zh"),
        # Exports streaming at once per process; keep it below the pool's connections.
        "WUYE_EXPORT_SLOTS": int(env("WUYE_EXPORT_SLOTS") or 4),
        # Behind TLS: secure cookies and HSTS. Behind N reverse proxies: trust N X-Forwarded-*.
        "WUYE_HTTPS": _flag(env("WUYE_HTTPS")),
        "WUYE_PROXY_COUNT": int(env("WUYE_PROXY_COUNT") or 0),
        "SESSION_COOKIE_SECURE": _flag(env("WUYE_HTTPS")),
        # Failed sign-ins per account name before it is locked for the rest of the window.
        "WUYE_LOGIN_LOCKOUT": env("WUYE_LOGIN_LOCKOUT") or "5 per 15 minutes",
        # Delivery: e-mail only when an SMTP host is set; SMS through a pluggable gateway.
        "WUYE_SMTP_HOST": env("WUYE_SMTP_HOST") or None,
        "WUYE_SMTP_PORT": int(env("WUYE_SMTP_PORT") or 25),
        "WUYE_SMTP_USER": env("WUYE_SMTP_USER") or None,
        "WUYE_SMTP_PASSWORD": env("WUYE_SMTP_PASSWORD") or None,
        "WUYE_SMTP_STARTTLS": _flag(env("WUYE_SMTP_STARTTLS")),
        "WUYE_SMTP_SSL": _flag(env("WUYE_SMTP_SSL")),
        "WUYE_MAIL_FROM": env("WUYE_MAIL_FROM") or "wuye@localhost",
        "WUYE_SMS_GATEWAY": env("WUYE_SMS_GATEWAY") or "app.services.delivery.RecordingSmsGateway",
        # Flask-AppBuilder
        "APP_NAME": "物业 Wuye",
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": "Admin",
        "AUTH_ROLE_PUBLIC": "Public",
        # Alembic owns the schema; roles are declared in code (app.security), not synced.
        "FAB_CREATE_DB": False,
        "FAB_UPDATE_PERMS": False,
        "FAB_ADD_SECURITY_API": False,
        # The roles are code (app/security/roles.py, shown on the roles page): FAB's screens of
        # permission rows, which builtin roles do not use, are left out.
        "FAB_ADD_SECURITY_PERMISSION_VIEW": False,
        "FAB_ADD_SECURITY_VIEW_MENU_VIEW": False,
        "FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW": False,
        "FAB_API_SWAGGER_UI": True,
        # /api/v1/_openapi and /swagger are ours (app.api.openapi): FAB's, completed.
        "FAB_ADD_OPENAPI_VIEWS": False,
        # The screens are rendered on the server: FAB's menu API has no user here.
        "FAB_ADD_MENU_API": False,
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        "AUTH_RATE_LIMITED": True,
        "AUTH_RATE_LIMIT": "10 per minute",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env("WUYE_REDIS_URL") or "memory://",
        # Redis away: count in this process's memory meanwhile, never refuse a login for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": env("WUYE_LOCALE", "zh"),
        "BABEL_DEFAULT_TIMEZONE": env("WUYE_TIMEZONE", "Asia/Shanghai"),
        "BABEL_TRANSLATION_DIRECTORIES": f"{ROOT / 'translations'};{ROOT / 'translations/extra'}",
        "LANGUAGES": LANGUAGES,
        "FAB_API_MAX_PAGE_SIZE": 500,
    }
