"""Sessions, CSRF, headers and cookie flags, walked over the whole url_map where it matters.

(The limiter's fallback when its Redis is down is proven in tests/auth/test_limiter_fallback.py;
production's refusal of a default secret or debug mode in tests/test_security.py.)
"""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.authz import PUBLIC, access
from app.extensions import csrf, limiter
from tests.conftest import csrf_token, login, post_form, sign_in, signed_in
from tests.factories import PASSWORD, PRODUCTION_STRIPE, make_user

# State-changing routes that take no CSRF token, each with its own authentication.
CSRF_EXEMPT = {
    "payments.stripe_webhook",  # Stripe's signature
    "payments.stripe_connect_webhook",  # Stripe's signature (the Connect endpoint's secret)
    "analytics.snippet_conversion",  # the brand's tracking key, from other sites by design
}
CSRF_EXEMPT_BLUEPRINTS = {"api"}  # bearer keys; cookies never authenticate /api/v1
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _url(rule) -> str:
    def value(match):
        converter = match.group(1) or "default"
        if converter == "any":
            return re.search(r"any\(([^,)]+)", rule.rule).group(1).strip()
        return "1" if converter == "int" else "x"

    return SAMPLE.sub(value, rule.rule)


def _security_headers(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp and "sandbox" not in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if "unsafe-inline" in csp:
        problems.append(f"{where}: unsafe-inline in CSP")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if response.headers.get("Referrer-Policy") != "strict-origin-when-cross-origin":
        problems.append(f"{where}: Referrer-Policy")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options")
    return problems


# --- login limit, session renewal, logout ----------------------------------------------------


def test_login_is_limited_per_account(client):
    user = make_user("brand")
    statuses = [
        post_form(client, "/auth/login", {"email": user.email, "password": "wrong" * 3}).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    limited = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert limited.status_code == 429, "the right password does not lift the limit early"
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_the_session_is_renewed_at_sign_in(app, client):
    user = make_user("kol")
    token_before = csrf_token(client, "/auth/login")
    cookie_before = _session_cookie(client)
    assert login(client, user.email, PASSWORD).status_code == 302
    assert _session_cookie(client) != cookie_before
    # Whatever the session held before sign-in (a planted cookie, its CSRF secret) is gone.
    stale = client.post("/settings/api-keys", data={"name": "k", "csrf_token": token_before})
    assert stale.status_code == 400
    planted = app.test_client()
    planted.set_cookie("session", cookie_before)
    assert planted.get("/settings/").status_code == 302  # the pre-login cookie is anonymous


def test_an_old_cookie_after_logout_is_rejected(app, client):
    user = make_user("brand")
    sign_in(client, user)
    assert client.get("/settings/").status_code == 200
    signed_in_cookie = _session_cookie(client)
    post_form(client, "/auth/logout", page="/")
    assert client.get("/settings/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", signed_in_cookie)
    response = replay.get("/settings/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- CSRF on every state-changing route -------------------------------------------------------


def test_csrf_is_required_on_every_state_changing_route(app):
    def exempt(endpoint: str) -> bool:
        view = app.view_functions[endpoint]
        return f"{view.__module__}.{view.__name__}" in csrf._exempt_views or endpoint.split(".")[
            0
        ] in {getattr(b, "name", b) for b in csrf._exempt_blueprints}

    exempt_endpoints = {r.endpoint for r in app.url_map.iter_rules() if exempt(r.endpoint)}
    unexpected = {
        e for e in exempt_endpoints if e.split(".")[0] not in CSRF_EXEMPT_BLUEPRINTS
    } - CSRF_EXEMPT
    assert unexpected == set(), f"CSRF switched off on {unexpected}"

    admin = make_user("admin")
    clients = {"anonymous": app.test_client(), "signed in": signed_in(app, admin)}
    checked, failures = 0, []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & STATE_CHANGING
        if not methods or rule.endpoint in exempt_endpoints:
            continue
        for method in sorted(methods):
            for who, client in clients.items():
                limiter.reset()
                response = client.open(_url(rule), method=method, data={"name": "x"})
                checked += 1
                body = response.get_data(as_text=True)
                if response.status_code != 400 or "The form expired" not in body:
                    failures.append(f"{method} {rule.rule} ({who}): {response.status_code}")
    routes = sum(1 for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING)
    print(
        f"CSRF walk: {routes} state-changing routes, {len(exempt_endpoints)} exempt "
        f"(API blueprint + {sorted(CSRF_EXEMPT)}), {checked} requests without a token, "
        f"{len(failures)} failures"
    )
    assert not failures, "\n".join(failures)


def test_exempt_routes_still_authenticate(client):
    assert client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=x"}).status_code == 400  # fmt: skip
    assert client.post("/api/v1/campaigns", json={}).status_code == 401


# --- headers on every answer ------------------------------------------------------------------


def test_security_headers_on_every_response(app):
    admin = make_user("admin")
    signed = signed_in(app, admin)
    clients = {"anonymous": app.test_client(), "admin": signed}
    problems, checked, statuses = [], 0, set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        for who, client in clients.items():
            response = client.get(_url(rule))
            checked += 1
            statuses.add(response.status_code)
            problems += _security_headers(response, f"GET {rule.rule} as {who}")
    extra = {
        "404": clients["anonymous"].get("/no/such/page"),
        "405": clients["anonymous"].delete("/"),
        "400 csrf": clients["anonymous"].post("/auth/login", data={}),
        "401 api": clients["anonymous"].get("/api/v1/me"),
        "413": clients["anonymous"].post(
            "/auth/login",
            data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
            content_type="application/octet-stream",
        ),
    }
    for label, response in extra.items():
        checked += 1
        statuses.add(response.status_code)
        problems += _security_headers(response, label)
    print(
        f"security headers: {checked} responses, statuses {sorted(statuses)}, "
        f"{len(problems)} problems"
    )
    assert {200, 302, 404, 405, 400, 401, 413} <= statuses
    assert not problems, "\n".join(problems[:50])


@pytest.fixture
def crashing_app(tmp_path):
    def boom():
        raise RuntimeError("<b>kaboom</b> secret=hunter2")

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))
    app.add_url_rule("/__boom", "boom", access(PUBLIC)(boom))
    app.add_url_rule("/api/v1/__boom", "api_boom", access(PUBLIC)(boom))
    return app


def test_the_500_page_and_json_never_show_a_traceback(crashing_app):
    client = crashing_app.test_client()
    for url in ("/__boom", "/api/v1/__boom"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Traceback" not in body and "kaboom" not in body and "hunter2" not in body
        assert "RuntimeError" not in body and ".py" not in body
        assert not _security_headers(response, url)
    assert client.get("/api/v1/__boom").get_json()["error"]["code"] == "server_error"


# --- cookie flags over HTTPS ------------------------------------------------------------------


def test_cookies_are_secure_httponly_and_samesite_over_https(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(
        "production",
        SECRET_KEY="s" * 48,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        UPLOAD_DIR=str(tmp_path),
        REDIS_URL=None,
        RATELIMIT_STORAGE_URI="memory://",
        JOBS_INLINE=True,
        **PRODUCTION_STRIPE,
    )
    from flask_migrate import upgrade

    from app.extensions import db

    with app.app_context():
        upgrade()
        make_user("brand", email="secure@example.com")
        db.session.remove()
    client = app.test_client()
    base = "https://localhost"
    page = client.get(f"{base}/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"{base}/auth/login",
        headers={"Referer": f"{base}/auth/login"},  # Flask-WTF checks it over HTTPS
        data={"email": "secure@example.com", "password": PASSWORD, "remember": "y",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 302
    cookies = {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for _name, header in cookies.items():
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, header
    assert "max-age=" in response.headers["Strict-Transport-Security"]
