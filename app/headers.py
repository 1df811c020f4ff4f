"""Security headers on every answer (docs/security.md).

- ``Content-Security-Policy``: scripts only from this site and inline ones carrying the
  request's nonce (Flask-AppBuilder's templates and ours mark theirs with ``csp_nonce()``);
  nothing from other hosts; no framing.
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``.
- With ``WUYE_HTTPS``: ``Strict-Transport-Security`` (and secure session cookies, config.py).
- With ``WUYE_PROXY_COUNT`` = N: the client address and scheme come from the N proxies'
  ``X-Forwarded-*`` headers (the login limiter then counts per client, not per proxy).
"""

import secrets

from flask import g
from werkzeug.middleware.proxy_fix import ProxyFix

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS_SECONDS = 365 * 24 * 3600


def csp_nonce() -> str:
    """The request's script nonce (the name Flask-AppBuilder's templates call)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app) -> None:
    if app.config["WUYE_PROXY_COUNT"]:
        count = app.config["WUYE_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    # A global, not a context processor: FAB renders its widgets' templates outside one.
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY.format(nonce=csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["WUYE_HTTPS"]:
            headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response
