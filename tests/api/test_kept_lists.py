"""Issue 26: the API's per-caller lists (campaigns, contracts, bids) and stats answered again to
the same key and query string are served before the access check and the view — and never when
what that check decides may have changed."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import pagecache
from app.api import auth
from app.auth.models import ApiKey
from app.auth.services import revoke_api_key
from app.extensions import db
from tests.analytics.support import published_note
from tests.factories import make_api_key, make_user

pytestmark = pytest.mark.redis


@pytest.fixture
def kept(app, kept_keys, monkeypatch):
    """Pages and API keys kept as in production; counts the access checks that ran."""
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    checks: list[str] = []
    real = auth.user_for_api_key

    def counted(secret):
        checks.append(secret)
        return real(secret)

    monkeypatch.setattr(auth, "user_for_api_key", counted)
    yield checks
    app.config.pop("PAGE_CACHE")
    pagecache._store.clear()


def get(client, path, secret, **headers):
    return client.get(path, headers={"Authorization": f"Bearer {secret}", **headers})


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/api/v1/contracts", "/api/v1/bids"])
def test_a_repeat_is_served_before_the_access_check(client, kept, path):
    secret = make_api_key(make_user("kol"))
    first = get(client, path, secret)
    get(client, path, secret)  # the key's caller is kept in Redis from the first call
    kept.clear()
    again = get(client, path, secret)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert kept == []  # no access check, no view: the kept answer
    assert get(client, path + "?per_page=5", secret).status_code == 200
    assert len(kept) == 1  # another query string: checked and built


def test_a_revoked_key_gets_401_not_its_kept_list(client, kept):
    kol = make_user("kol")
    secret = make_api_key(kol)
    for _ in range(3):
        assert get(client, "/api/v1/contracts", secret).status_code == 200
    key = db.session.scalar(select(ApiKey).where(ApiKey.user_id == kol.id))
    revoke_api_key(user_id=kol.id, key_id=key.id)
    db.session.commit()
    assert get(client, "/api/v1/contracts", secret).status_code == 401


def test_a_role_change_is_checked_again(client, kept):
    """The brand-only list of bids on a campaign aside, ``/bids`` is for brands and KOLs:
    a KOL made a shopper is refused at once, though their list is kept."""
    kol = make_user("kol")
    secret = make_api_key(kol)
    for _ in range(3):
        assert get(client, "/api/v1/bids", secret).status_code == 200
    kol.role = "shopper"
    db.session.commit()
    assert get(client, "/api/v1/bids", secret).status_code == 403


def test_one_callers_kept_list_never_answers_another(client, kept):
    first, second = make_api_key(make_user("kol")), make_api_key(make_user("kol"))
    for _ in range(3):
        get(client, "/api/v1/campaigns", first)
    kept.clear()
    assert get(client, "/api/v1/campaigns", second).status_code == 200
    assert kept == [second]  # checked: nothing of theirs was kept


def test_acting_for_a_brand_always_goes_through_the_access_check(client, kept):
    """A ``Brand-Id`` header (an agency acting for a brand) is decided by the grant on every
    call: never by a kept answer."""
    brand = make_user("brand")
    secret = make_api_key(brand)
    for _ in range(3):
        get(client, "/api/v1/bids", secret)
    kept.clear()
    get(client, "/api/v1/bids", secret, **{"Brand-Id": str(brand.id)})
    assert kept == [secret]


def test_a_repeated_stats_read_is_served_before_the_access_check(client, kept):
    """A campaign's stats (the API's most read figures): the kept answer, no check, no view;
    another brand's key is still checked and refused."""
    brand = make_user("brand")
    note = published_note(brand=brand)
    secret = make_api_key(brand)
    path = f"/api/v1/campaigns/{note.campaign_id}/stats"
    first = get(client, path, secret)
    get(client, path, secret)
    kept.clear()
    again = get(client, path, secret)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and kept == []
    assert get(client, path + "?granularity=hour", secret).status_code == 200
    assert len(kept) == 1  # another query string: checked and built
    other = make_api_key(make_user("brand"))
    assert get(client, path, other).status_code == 404


def test_a_stats_answer_kept_yesterday_is_not_served_today(client, kept, monkeypatch):
    """The default range ends today (UTC): the first read after midnight is checked and built
    over the new range, not served from the answer kept for the day before."""
    brand = make_user("brand")
    secret = make_api_key(brand)
    path = f"/api/v1/campaigns/{published_note(brand=brand).campaign_id}/stats"
    for _ in range(2):
        today = get(client, path, secret).get_json()
    tomorrow = datetime.now(UTC) + timedelta(days=1)

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return tomorrow.astimezone(tz)

    monkeypatch.setattr("app.analytics.api.datetime", Tomorrow)  # the kept answer's day
    monkeypatch.setattr("app.analytics.queries.datetime", Tomorrow)  # the range's last day
    kept.clear()
    after_midnight = get(client, path, secret)
    assert after_midnight.status_code == 200 and len(kept) == 1
    assert today["range"]["to"] == (tomorrow - timedelta(days=1)).date().isoformat()
    assert after_midnight.get_json()["range"]["to"] == tomorrow.date().isoformat()
