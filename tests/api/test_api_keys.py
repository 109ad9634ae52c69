import re

from sqlalchemy import select

from app.auth.models import ApiKey
from app.extensions import db
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_user


def _me(client, key: str | None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get("/api/v1/me", headers=headers)


def test_key_created_in_settings_is_shown_once_and_stored_hashed(client):
    user = make_user("brand")
    sign_in(client, user)
    page = post_form(client, "/settings/api-keys", {"name": "Shop server"}).get_data(as_text=True)
    secret = re.search(r"<code>(kol_[\w-]+)</code>", page).group(1)
    stored = db.session.scalar(select(ApiKey).where(ApiKey.user_id == user.id))
    assert stored.name == "Shop server" and secret not in stored.key_hash
    assert secret not in client.get("/settings/api-keys").get_data(as_text=True)
    assert _me(client, secret).get_json() == {
        "id": user.id,
        "email": user.email,
        "role": "brand",
        "locale": "en",  # kept at sign-in: the language the browser was using
        "time_zone": None,  # never chosen: read as UTC
    }


def test_missing_and_wrong_keys_get_401_json(client):
    for key in (None, "kol_not-a-real-key", "garbage"):
        response = _me(client, key)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_stops_working(client):
    user = make_user("kol")
    secret = make_api_key(user)
    assert _me(client, secret).status_code == 200
    sign_in(client, user)
    key = db.session.scalar(select(ApiKey).where(ApiKey.user_id == user.id))
    post_form(client, f"/settings/api-keys/{key.id}/revoke", page="/settings/api-keys")
    assert _me(client, secret).status_code == 401


def test_a_user_cannot_revoke_someone_elses_key(client):
    owner, other = make_user("brand"), make_user("brand")
    secret = make_api_key(owner)
    key = db.session.scalar(select(ApiKey).where(ApiKey.user_id == owner.id))
    sign_in(client, other)
    response = post_form(client, f"/settings/api-keys/{key.id}/revoke", page="/settings/api-keys")
    assert response.status_code == 404
    assert _me(client, secret).status_code == 200


def test_disabled_users_key_stops_working(client):
    from app.auth.services import set_account_disabled

    user = make_user("brand")
    secret = make_api_key(user)
    set_account_disabled(user_id=user.id, disabled=True)
    db.session.commit()
    assert _me(client, secret).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client):
    user = make_user("brand")
    sign_in(client, user)
    assert _me(client, None).status_code == 401


def test_empty_key_name_is_refused(client):
    user = make_user("brand")
    sign_in(client, user)
    response = post_form(client, "/settings/api-keys", {"name": "   "})
    assert response.status_code == 422


def test_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = doc["paths"]["/me"]["get"]
    assert {"200", "401"} <= set(me["responses"])


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
