"""Every route declares who may use it, and the declaration holds for each role."""

import re

import pytest

from app import create_app
from app.auth.models import Role
from app.authz import ACCESS_ATTR, PUBLIC, SIGNED_IN
from tests.conftest import csrf_token, sign_in
from tests.factories import make_user

SAMPLE_ARGS = {"int": "1", "default": "x", "string": "x"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = re.sub(
            r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
            lambda m: SAMPLE_ARGS.get(m.group(1) or "default", "1"),
            rule.rule,
        )
        yield rule, view, url


def test_every_route_declares_its_audience(app):
    undeclared = [r.endpoint for r, view, _u in _routes(app) if not hasattr(view, ACCESS_ATTR)]
    assert undeclared == []


def test_undeclared_route_is_closed(tmp_path):
    probe_app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))
    probe_app.add_url_rule("/__undeclared_probe", "undeclared_probe", lambda: "open")
    assert probe_app.test_client().get("/__undeclared_probe").status_code == 403


@pytest.mark.once  # database-agnostic, as the access matrix (tests/hardening) is
@pytest.mark.parametrize("role", [None, *list(Role)])
def test_each_route_answers_its_audience_only(app, client, role):
    """Anonymous visitors are sent to sign in; wrong roles get 403; nobody gets a 500."""
    if role is not None:
        user = make_user(role)
        sign_in(client, user)
    token = csrf_token(client, "/" if role else "/auth/login")  # public pages: no session
    for rule, view, url in _routes(app):
        if rule.endpoint == "auth.logout":
            continue  # would end the session mid-walk; covered in tests/auth
        allowed = getattr(view, ACCESS_ATTR)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code < 500, (method, url, response.status_code)
            if PUBLIC in allowed:
                continue
            if role is None:
                expected = {401} if url.startswith("/api/") else {302}
                assert response.status_code in expected, (method, url)
                continue
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)  # cookies never reach the API
            elif SIGNED_IN not in allowed and role.value not in allowed:
                assert response.status_code == 403, (role, method, url)
            else:
                assert response.status_code != 403, (role, method, url)
