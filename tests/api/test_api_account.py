"""The API operations that close the gaps the web/API parity test found (issue 22): an
account's language and time zone, its notifications, duplicating a campaign, editing a bid."""

from __future__ import annotations

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.notifications.services import notify
from tests.factories import make_api_key, make_bid, make_campaign, make_kol, make_user


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_an_account_sets_its_language_and_time_zone(client):
    auth = _auth(make_user("kol"))
    changed = client.patch("/api/v1/me", headers=auth,
                           json={"locale": "zh_Hans", "time_zone": "Asia/Shanghai"})  # fmt: skip
    assert changed.status_code == 200
    me = client.get("/api/v1/me", headers=auth).get_json()
    assert (me["locale"], me["time_zone"]) == ("zh_Hans", "Asia/Shanghai")
    bad = client.patch("/api/v1/me", headers=auth, json={"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and "time_zone" in bad.get_json()["error"]["fields"]


def test_notifications_are_listed_and_marked_read_only_by_their_owner(client):
    brand = make_user("brand")
    first = notify(
        user_id=brand.id, kind="webhook.disabled", link="/webhooks", url="https://a.example"
    )
    notify(user_id=brand.id, kind="webhook.disabled", link="/webhooks", url="https://b.example")
    db.session.commit()
    auth = _auth(brand)
    listed = client.get("/api/v1/notifications?unread=true", headers=auth).get_json()
    assert len(listed["items"]) == 2 and "https://b.example" in listed["items"][0]["message"]

    stranger = _auth(make_user("brand"))
    assert (
        client.post(f"/api/v1/notifications/{first.id}/read", headers=stranger).status_code == 404
    )
    read = client.post(f"/api/v1/notifications/{first.id}/read", headers=auth).get_json()
    assert read["read_at"] is not None
    assert client.post("/api/v1/notifications/read-all", headers=auth).get_json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true", headers=auth).get_json()["items"] == []


def test_a_brand_duplicates_its_campaign_as_a_draft(client):
    brand = make_user("brand")
    campaign = make_campaign(brand, title="Summer glow")
    copy = client.post(f"/api/v1/campaigns/{campaign.id}/duplicate", headers=_auth(brand))
    assert copy.status_code == 201
    assert copy.get_json()["status"] == "draft" and copy.get_json()["id"] != campaign.id
    assert "Summer glow" in copy.get_json()["title"]
    other = _auth(make_user("brand"))
    assert (
        client.post(f"/api/v1/campaigns/{campaign.id}/duplicate", headers=other).status_code == 404
    )


def test_a_kol_changes_its_bid_and_it_becomes_a_new_offer(client):
    kol, brand = make_kol(verified=True), make_user("brand")
    bid = make_bid(make_campaign(brand), kol)
    soon = (utcnow() + timedelta(days=20)).date().isoformat()
    auth = _auth(kol)
    changed = client.put(f"/api/v1/bids/{bid.id}", headers=auth,
                         json={"price": 45_000, "pitch": "Even better", "proposed_delivery": soon})  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["price"] == 45_000 and changed.get_json()["pitch"] == "Even better"
    missing = client.put(f"/api/v1/bids/{bid.id}", headers=auth, json={"price": 45_000})
    assert missing.status_code == 422
    assert client.put(f"/api/v1/bids/{bid.id}", headers=_auth(brand),
                      json={"price": 1, "pitch": "x", "proposed_delivery": soon}).status_code == 403  # fmt: skip
