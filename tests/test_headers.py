"""Security headers (app/headers.py): every answer carries them; HSTS and secure cookies only
behind TLS; a nonce per request."""

import re

import pytest

from app.factory import create_app


def nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]


@pytest.mark.parametrize("path", ["/login/", "/api/v1/bill/", "/static/appbuilder/js/ab.js"])
def test_every_answer_carries_the_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "Strict-Transport-Security" not in response.headers


def test_the_login_page_scripts_carry_this_requests_nonce(client):
    first, second = client.get("/login/"), client.get("/login/")
    assert nonce(first) != nonce(second)
    assert f'nonce="{nonce(first)}"' in first.get_data(as_text=True)


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(app, tmp_path, monkeypatch):
    monkeypatch.setenv("WUYE_HTTPS", "1")
    monkeypatch.setenv("WUYE_PROXY_COUNT", "1")
    tls = create_app(
        {
            **{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
            "TESTING": True,
            "WUYE_FILES_DIR": str(tmp_path),
        }
    )
    response = tls.test_client().get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert tls.config["SESSION_COOKIE_SECURE"] is True
