"""Security defaults: headers on every answer, cookies, CSRF, production settings."""

import pytest

from app import create_app
from tests.conftest import login, sign_in
from tests.factories import PASSWORD, PRODUCTION_STRIPE, make_user


def _assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "base-uri 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page", "/api/v1/me", "/healthz"])
def test_security_headers_on_pages_and_error_pages(client, path):
    _assert_security_headers(client.get(path))


def test_security_headers_on_a_server_error(tmp_path):
    from app.authz import PUBLIC, access

    def boom():
        raise RuntimeError("kaboom")

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))
    app.add_url_rule("/__boom", "boom", access(PUBLIC)(boom))
    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)
    _assert_security_headers(response)


def test_session_cookie_is_httponly_and_lax(client):
    user = make_user("brand")
    response = login(client, user.email, PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None)


def test_production_cookies_are_secure_and_debug_is_off():
    app = create_app(
        "production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="sqlite://", **PRODUCTION_STRIPE
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.debug is False
    with pytest.raises(RuntimeError, match="debug"):
        create_app("production", SECRET_KEY="x" * 40, DEBUG=True)


def test_remember_me_is_bounded(app):
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    "path", ["/auth/register", "/auth/forgot", "/settings/api-keys", "/profile", "/settings/"]
)
def test_state_changing_forms_refuse_posts_without_csrf(client, path):
    user = make_user("kol")
    sign_in(client, user)
    response = client.post(path, data={"name": "x", "email": "a@b.example"})
    assert response.status_code == 400


def test_upload_size_is_limited(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024 * 1024
