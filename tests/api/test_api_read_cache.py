"""A KOL polling GET /api/v1/campaigns gets their fits computed once per change, not per request:
the second identical call costs only the key's own lookup, and what changes shows at once."""

from __future__ import annotations

from app.campaigns.models import CampaignStatus
from app.extensions import db
from tests.factories import make_api_key, make_campaign, make_kol
from tests.queries import count_queries


def _titles(client, headers) -> list[str]:
    response = client.get("/api/v1/campaigns", headers=headers)
    assert response.status_code == 200
    return [item["title"] for item in response.get_json()["items"]]


def test_a_repeated_list_is_served_from_the_cache_and_a_new_campaign_shows_at_once(
    app, client, cache_on
):
    kol = make_kol(verified=True)
    headers = {"Authorization": f"Bearer {make_api_key(kol)}"}
    make_campaign(title="Serum launch")
    with count_queries() as first:
        assert _titles(client, headers) == ["Serum launch"]
    with count_queries() as again:
        assert _titles(client, headers) == ["Serum launch"]
    again = [s for s in again if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    # Without Redis the key's rate-limit counter is a database row (app/api/ratelimit.py):
    # counting the call is not reading the list.
    again = [s for s in again if "rate_limit_counters" not in s]
    assert len(again) < len(first)
    assert len(again) <= 2  # the API key and its account, nothing for the list or the fits

    made = make_campaign(title="Lip tint drop")  # published by a brand: the list changes
    assert sorted(_titles(client, headers)) == ["Lip tint drop", "Serum launch"]
    made.status = CampaignStatus.CANCELLED
    db.session.commit()
    assert _titles(client, headers) == ["Serum launch"]


def test_two_kols_never_get_each_others_fits(app, client, cache_on):
    near = make_kol(verified=True, followers=50_000)
    far = make_kol(verified=True, followers=100)
    make_campaign(title="Big reach", min_followers=10_000)

    def fit(user) -> dict:
        headers = {"Authorization": f"Bearer {make_api_key(user)}"}
        return client.get("/api/v1/campaigns", headers=headers).get_json()["items"][0]["fit"]

    assert fit(near)["qualifies"] is True
    assert fit(far)["qualifies"] is False
    assert fit(near)["qualifies"] is True
