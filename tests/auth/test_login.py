from app.auth.models import Role
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user


def test_each_role_can_sign_in_and_reach_home(client):
    for role in Role:
        user = make_user(role)
        response = login(client, user.email, PASSWORD)
        assert response.status_code == 302
        page = client.get("/", follow_redirects=True).get_data(as_text=True)  # shopper: feed
        assert "Sign out" in page
        post_form(client, "/auth/logout", page="/")
        assert "Sign in" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client):
    user = make_user(Role.BRAND)
    response = login(client, user.email, "not the password")
    assert response.status_code == 422
    assert "e-mail or password is not right" in response.get_data(as_text=True)
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_email_is_case_insensitive(client):
    user = make_user(Role.KOL)
    assert login(client, user.email.upper(), PASSWORD).status_code == 302


def test_login_without_csrf_token_is_rejected(client):
    user = make_user(Role.BRAND)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(client, app):
    user = make_user(Role.BRAND)
    token = csrf_token(client)
    statuses = [
        client.post(
            "/auth/login",
            data={"email": user.email, "password": "wrong-one-x", "csrf_token": token},
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    blocked = client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_login_is_rate_limited_per_ip_across_accounts(client, app):
    token = csrf_token(client)
    limit = int(app.config["LOGIN_LIMIT_IP"].split()[0])
    statuses = [
        client.post(
            "/auth/login",
            data={"email": f"nobody{i}@example.com", "password": "x" * 9, "csrf_token": token},
        ).status_code
        for i in range(limit + 1)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]


def test_session_is_renewed_at_sign_in(client):
    user = make_user(Role.BRAND)
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_open_redirect_after_login_is_refused(client):
    user = make_user(Role.BRAND)
    token = csrf_token(client)
    response = client.post(
        "/auth/login?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_disabled_account_cannot_sign_in_and_its_session_ends(client, app):
    from app.auth.services import set_account_disabled
    from app.extensions import db

    user = make_user(Role.KOL)
    login(client, user.email, PASSWORD)
    assert client.get("/settings/").status_code == 200
    set_account_disabled(user_id=user.id, disabled=True, reason="spam")
    db.session.commit()
    response = client.get("/settings/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert login(client, user.email, PASSWORD).status_code == 422
