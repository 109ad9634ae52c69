"""Issue 26: with Redis an API key seen lately is checked without the database, and a key
revoked or an account disabled is refused on the very next request all the same; a kept API
read then costs no query at all."""

import pytest
from sqlalchemy import event, select

from app import key_cache, pagecache
from app.auth.models import ApiKey
from app.auth.services import set_account_disabled
from app.extensions import db
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_user

pytestmark = pytest.mark.redis


def me(client, secret: str) -> tuple[object, list[str]]:
    """GET /api/v1/me with the key, and the SQL it cost."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, seen


def test_a_key_seen_lately_costs_no_query_and_answers_the_same(client, kept_keys):
    user = make_user("brand")
    secret = make_api_key(user)
    first, first_sql = me(client, secret)
    again, again_sql = me(client, secret)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() == {
        "id": user.id, "email": user.email, "role": "brand", "locale": user.locale,
        "time_zone": user.time_zone,
    }  # fmt: skip
    assert any("api_keys" in sql for sql in first_sql)
    assert again_sql == []


def test_a_revoked_key_is_refused_on_the_very_next_request(client, kept_keys):
    user = make_user("kol")
    secret = make_api_key(user)
    assert me(client, secret)[0].status_code == 200
    assert me(client, secret)[0].status_code == 200  # from Redis now
    sign_in(client, user)
    key = db.session.scalar(select(ApiKey).where(ApiKey.user_id == user.id))
    post_form(client, f"/settings/api-keys/{key.id}/revoke", page="/settings/api-keys")
    assert me(client, secret)[0].status_code == 401
    assert me(client, secret)[0].status_code == 401


def test_a_disabled_accounts_keys_are_refused_on_the_very_next_request(client, kept_keys):
    user = make_user("brand")
    secrets = [make_api_key(user, name=f"key {i}") for i in range(2)]
    for secret in secrets:
        me(client, secret)
        assert me(client, secret)[0].status_code == 200
    set_account_disabled(user_id=user.id, disabled=True)
    db.session.commit()
    assert [me(client, secret)[0].status_code for secret in secrets] == [401, 401]


def test_a_role_change_shows_on_the_next_request(client, kept_keys):
    user = make_user("brand")
    secret = make_api_key(user)
    me(client, secret)
    assert me(client, secret)[0].get_json()["role"] == "brand"
    user.role = "kol"
    db.session.commit()
    assert me(client, secret)[0].get_json()["role"] == "kol"


def test_signing_in_on_the_web_leaves_the_persons_keys_kept(app, client, kept_keys):
    """A sign-in stamps the account (last_login_at), which no key's call reads: their next API
    call still costs no query. (It voided the keys for a minute: every call after each
    sign-in went to the database.) A first sign-in also keeps the language in use, which
    the API does read: that one is a change."""
    user = make_user("kol")
    secret = make_api_key(user)
    sign_in(client, user)  # the first: the account's language is kept
    for name in kept_keys.scan_iter("apikey*"):  # a minute later: its marks have expired
        kept_keys.delete(name)
    me(client, secret)
    assert me(client, secret)[1] == []
    stamped = db.session.get(type(user), user.id).last_login_at
    sign_in(app.test_client(), user)  # on another device
    db.session.expire_all()
    assert db.session.get(type(user), user.id).last_login_at != stamped
    response, sql = me(client, secret)
    assert (response.status_code, sql) == (200, [])


def test_a_key_read_while_its_account_changed_is_not_kept(app, kept_keys):
    """The database said yes, then the account changed before the answer was kept: the copy
    is voided at once rather than trusted for a minute."""
    with app.test_request_context():
        key_cache.drop_api_keys(user_ids=[42])  # the change commits mid-read
        caller = key_cache.api_caller("h" * 64, lambda: {"id": 42})
        assert caller == {"id": 42}  # this request was authorised before the change
        assert kept_keys.get(key_cache.API_KEY.format("h" * 64)) == key_cache.DROPPED
        calls = []
        key_cache.api_caller("h" * 64, lambda: calls.append(1))  # the database decides
        assert calls == [1]


def test_a_kept_caller_can_write_as_the_account_it_is(client, kept_keys):
    """The caller from Redis is the account in the session (no query), so a write with it
    behaves as with the account loaded: a like is recorded and the note's state says so."""
    from tests.analytics.support import published_note

    note = published_note()
    shopper = make_user("shopper")
    secret = make_api_key(shopper)
    headers = {"Authorization": f"Bearer {secret}"}
    assert me(client, secret)[0].status_code == 200  # kept from here on
    liked = client.put(f"/api/v1/notes/{note.id}/like", headers=headers)
    assert liked.status_code == 200, liked.get_json()
    assert liked.get_json()["liked"] is True


def test_a_repeated_stats_read_costs_no_query_and_others_still_get_404(app, client, kept_keys):
    """A campaign's stats are kept with its brand's access check (viewer_data): a repeat with
    a kept key costs no query at all; another brand's key is still refused."""
    from tests.analytics.support import published_note

    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    try:
        brand = make_user("brand")
        note = published_note(brand=brand)
        secret = make_api_key(brand)
        url = f"/api/v1/campaigns/{note.campaign_id}/stats"
        headers = {"Authorization": f"Bearer {secret}"}
        first = client.get(url, headers=headers)
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")):
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            again = client.get(url, headers=headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert first.status_code == again.status_code == 200
        assert again.get_json() == first.get_json() and seen == []
        other = {"Authorization": f"Bearer {make_api_key(make_user('brand'))}"}
        assert client.get(url, headers=other).status_code == 404
    finally:
        app.config.pop("PAGE_CACHE")
        pagecache._store.clear()
