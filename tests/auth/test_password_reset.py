import re

from sqlalchemy import select

from app.extensions import db
from app.mail.models import Mail
from tests.conftest import login, post_form, sign_in
from tests.factories import PASSWORD, make_user


def _reset_link(email: str) -> str:
    mail = db.session.scalar(select(Mail).where(Mail.recipient == email).order_by(Mail.id.desc()))
    assert mail is not None, "no reset mail was written"
    return re.search(r"https?://[^/\s]+(/auth/reset/\S+)", mail.body).group(1)


def test_reset_by_mailed_link_works_once(client):
    user = make_user("kol")
    response = post_form(client, "/auth/forgot", {"email": user.email})
    assert response.status_code == 302
    link = _reset_link(user.email)
    assert db.session.scalar(select(Mail).where(Mail.recipient == user.email)).sent_at

    new = "a brand new passphrase"
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 302
    assert login(client, user.email, new).status_code == 302
    post_form(client, "/auth/logout", page="/")

    again = post_form(
        client, link, {"password": "another passphrase", "confirm": "another passphrase"}
    )
    assert again.status_code == 422 and "already used" in again.get_data(as_text=True)


def test_the_reset_link_points_at_the_configured_site_whatever_the_host_header(app):
    """A forged Host must not mail the victim a link (with their token) to another site."""
    from app.auth.services import request_password_reset

    user = make_user("kol")
    with app.test_request_context("/auth/forgot", method="POST", base_url="http://evil.example"):
        request_password_reset(email=user.email)
        db.session.commit()
    mail = db.session.scalar(select(Mail).where(Mail.recipient == user.email))
    assert "evil.example" not in mail.body
    assert f"{app.config['PUBLIC_BASE_URL']}/auth/reset/" in mail.body


def test_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = post_form(
        client, "/auth/forgot", {"email": "ghost@example.com"}, follow_redirects=True
    )
    assert "If an account uses that e-mail" in response.get_data(as_text=True)
    assert db.session.scalar(select(Mail).where(Mail.recipient == "ghost@example.com")) is None


def test_tampered_token_is_refused(client):
    response = post_form(
        client, "/auth/reset/not-a-token", {"password": "x" * 12, "confirm": "x" * 12}
    )
    assert response.status_code == 422 and "not valid" in response.get_data(as_text=True)


def test_development_outbox_shows_the_mail(client):
    user = make_user("brand")
    post_form(client, "/auth/forgot", {"email": user.email})
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "Reset your password" in page and user.email in page


def test_outbox_is_not_served_in_production(client, app):
    app.config["ENV_NAME"] = "production"
    try:
        assert client.get("/dev/outbox").status_code == 404
    finally:
        app.config["ENV_NAME"] = "test"


def test_change_password_signs_out_other_sessions(app, client):
    user = make_user("brand")
    other = app.test_client()
    sign_in(client, user)
    sign_in(other, user)
    new = "my second passphrase"
    response = post_form(
        client,
        "/settings/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
        page="/settings/",
    )
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200
    assert other.get("/settings/").status_code == 302  # the other device is signed out


def test_change_password_needs_the_current_one(client):
    user = make_user("kol")
    sign_in(client, user)
    response = post_form(
        client,
        "/settings/password",
        {"current_password": "wrong wrong", "new_password": "x" * 12, "confirm": "x" * 12},
        page="/settings/",
    )
    assert response.status_code == 422 and "current password is not right" in response.get_data(
        as_text=True
    )
