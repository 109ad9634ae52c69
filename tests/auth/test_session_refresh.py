"""The session cookie slides its expiry at most once a minute (app/sessions.py)."""

from __future__ import annotations

from app import sessions
from tests.conftest import sign_in
from tests.factories import make_user


def _session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


def test_a_fresh_cookie_is_not_resent_on_every_request(app, client):
    user = make_user()
    sign_in(client, user)
    client.get("/settings/")  # shows and removes the "Signed in." message: a changed session
    response = client.get("/settings/")
    assert response.status_code == 200
    assert _session_cookies(response) == []  # signed less than a minute ago: nothing to send


def test_an_older_cookie_is_resent_with_a_new_expiry(app, client, monkeypatch):
    user = make_user()
    sign_in(client, user)
    client.get("/settings/")
    monkeypatch.setattr(sessions, "REFRESH_SECONDS", 0)  # as if signed a minute ago
    refreshed = _session_cookies(client.get("/settings/"))
    assert len(refreshed) == 1 and "Expires=" in refreshed[0]
    assert client.get("/settings/").status_code == 200  # the refreshed cookie still works


def test_a_tampered_cookie_is_an_empty_session(app, client):
    user = make_user()
    sign_in(client, user)
    value = client.get_cookie("session").value
    client.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/settings/").status_code == 302  # to sign in
