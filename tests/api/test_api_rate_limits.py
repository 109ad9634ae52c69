"""Per-API-key rate limits (issue 22): every answer says how many calls are left (the IETF
draft's RateLimit-* fields), the call past the budget is a 429 with Retry-After, and each key
spends its own budget."""

from __future__ import annotations

import pytest

from tests.factories import make_api_key, make_user


@pytest.fixture
def three_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_ANONYMOUS", "2 per minute")


def _me(client, key):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})


def test_the_headers_count_down_and_the_call_past_the_budget_is_refused(client, three_a_minute):
    key = make_api_key(make_user("brand"))
    answers = [_me(client, key) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["RateLimit-Limit"] for a in answers} == {"3"}
    assert {a.headers["RateLimit-Policy"] for a in answers} == {"3;w=60"}
    assert all(0 <= int(a.headers["RateLimit-Reset"]) <= 60 for a in answers)
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" not in answers[0].headers


def test_two_keys_have_their_own_budgets(client, three_a_minute):
    brand = make_user("brand")
    first, second = make_api_key(brand, "first"), make_api_key(brand, "second")
    assert [_me(client, first).status_code for _ in range(4)][-1] == 429

    answer = _me(client, second)
    assert answer.status_code == 200 and answer.headers["RateLimit-Remaining"] == "2"
    assert _me(client, make_api_key(make_user("kol"))).status_code == 200


def test_every_operation_spends_the_same_budget_and_a_bad_call_counts_too(client, three_a_minute):
    key = make_api_key(make_user("kol"))
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/campaigns", headers=auth).status_code == 200
    assert client.post("/api/v1/campaigns", headers=auth, json={}).status_code == 403
    assert client.get("/api/v1/bids?per_page=0", headers=auth).status_code == 422
    refused = client.get("/api/v1/contracts", headers=auth)
    assert refused.status_code == 429 and refused.headers["RateLimit-Remaining"] == "0"


def test_calls_without_a_key_share_a_budget_per_address(client, three_a_minute):
    answers = [client.get("/api/v1/explore") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "2"
    # A keyed call from the same address is counted against its key, not the address.
    assert _me(client, make_api_key(make_user("brand"))).status_code == 200


def test_web_pages_carry_no_api_budget(client, three_a_minute):
    assert "RateLimit-Limit" not in client.get("/").headers


def test_an_edge_servers_signed_batches_spend_no_budget_and_bad_signatures_do(
    app, client, three_a_minute, monkeypatch
):
    """A collector posting signed view batches from one address is not held to the budget of
    calls without a key (300 a minute by default: 2,500 events/s); a wrong signature is a call
    without a key like any other, counted and refused past the budget."""
    from tests.analytics.support import hit, published_note, signed_post

    monkeypatch.setitem(app.config, "ANALYTICS_BATCH_SECRET", "edge-secret")
    code = published_note().tracking_code
    answers = [signed_post(client, {"events": [hit(code, n)]}) for n in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert all(a.get_json()["accepted"] == 1 for a in answers)
    forged = [signed_post(client, {"events": [hit(code, 9)]}, secret="guess") for _ in range(3)]
    assert [a.status_code for a in forged] == [401, 401, 429]
