"""Webhook endpoints through the API and the pages (issue 22): a brand registers, changes and
deletes endpoints, rotates a signing secret without its receiver missing an event, reads each
delivery's attempts and sends one again."""

from __future__ import annotations

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.services import emit
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_user
from tests.webhooks.receiver import mount, verify

URL = "https://hooks.brand.example/kol"


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def _create(client, auth, **body) -> dict:
    answer = client.post("/api/v1/webhooks", headers=auth,
                         json={"url": URL, "events": ["payout.paid"], **body})  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_brand_manages_its_endpoints_through_the_api(client):
    brand = make_user("brand")
    auth = _auth(brand)
    made = _create(client, auth, events=["bid.received", "note.published"])
    assert made["events"] == ["bid.received", "note.published"] and made["enabled"] is True
    assert made["secret"].startswith("whsec_") and made["previous_secret_expires_at"] is None

    listed = client.get("/api/v1/webhooks", headers=auth).get_json()
    assert [e["id"] for e in listed["items"]] == [made["id"]]
    changed = client.patch(f"/api/v1/webhooks/{made['id']}", headers=auth,
                           json={"events": ["payout.paid"], "enabled": False})  # fmt: skip
    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["payout.paid"]
    assert changed.get_json()["disabled_reason"] == "owner"
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/webhooks/{made['id']}", headers=auth).status_code == 404


def test_bad_input_names_the_field_and_others_cannot_reach_an_endpoint(client):
    brand = make_user("brand")
    auth = _auth(brand)
    bad = client.post("/api/v1/webhooks", headers=auth,
                      json={"url": "ftp://x", "events": ["bid.exploded"]})  # fmt: skip
    assert bad.status_code == 422 and "events.0" in bad.get_json()["error"]["fields"]
    bad_url = client.post("/api/v1/webhooks", headers=auth,
                          json={"url": "ftp://x", "events": ["bid.received"]})  # fmt: skip
    assert bad_url.status_code == 422 and "url" in bad_url.get_json()["error"]["fields"]
    made = _create(client, auth)
    other = _auth(make_user("brand"))
    for method in ("get", "patch", "delete"):
        answer = getattr(client, method)(f"/api/v1/webhooks/{made['id']}", headers=other,
                                         json={} if method == "patch" else None)  # fmt: skip
        assert answer.status_code == 404
    assert client.post(f"/api/v1/webhooks/{made['id']}/rotate-secret",
                       headers=other).status_code == 404  # fmt: skip
    assert client.get("/api/v1/webhooks", headers=_auth(make_user("kol"))).status_code == 403


def test_after_a_rotation_both_secrets_verify_until_the_grace_period_ends(app, client, monkeypatch):
    brand = make_user("brand")
    auth = _auth(brand)
    made = _create(client, auth)
    old = made["secret"]
    rotated = client.post(f"/api/v1/webhooks/{made['id']}/rotate-secret", headers=auth).get_json()
    new = rotated["secret"]
    assert new != old and rotated["previous_secret_expires_at"] is not None
    receiver = mount(monkeypatch, new)

    emit(brand_id=brand.id, event_type="payout.paid", key="payout:1", data={})
    db.session.commit()
    run_inline_jobs()
    [during] = receiver.received
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    assert verify(new, during["headers"], during["body"])
    assert verify(old, during["headers"], during["body"])  # a receiver not yet switched over

    endpoint = db.session.get(WebhookEndpoint, made["id"])
    endpoint.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    emit(brand_id=brand.id, event_type="payout.paid", key="payout:2", data={})
    db.session.commit()
    run_inline_jobs()
    after = receiver.received[1]
    assert verify(new, after["headers"], after["body"])
    assert not verify(old, after["headers"], after["body"])


def test_deliveries_list_their_attempts_and_a_failed_one_can_be_sent_again(client, monkeypatch):
    brand = make_user("brand")
    auth = _auth(brand)
    made = _create(client, auth)
    receiver = mount(monkeypatch, made["secret"])
    receiver.status = 500
    emit(brand_id=brand.id, event_type="payout.paid", key="payout:9", data={"payout_id": 9})
    db.session.commit()
    run_inline_jobs()

    page = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=auth).get_json()
    [delivery] = page["items"]
    assert delivery["status"] == "retrying" and delivery["payload"]["data"] == {"payout_id": 9}
    assert [a["status_code"] for a in delivery["attempts"]] == [500]

    receiver.status = 200
    resent = client.post(f"/api/v1/webhook-deliveries/{delivery['id']}/resend", headers=auth)
    assert resent.status_code == 200
    again = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=auth).get_json()
    [delivery] = again["items"]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert [r["id"] for r in receiver.received] == [delivery["message_id"]] * 2  # one webhook-id

    other = _auth(make_user("brand"))
    assert client.post(f"/api/v1/webhook-deliveries/{delivery['id']}/resend",
                       headers=other).status_code == 404  # fmt: skip
    client.patch(f"/api/v1/webhooks/{made['id']}", headers=auth, json={"enabled": False})
    refused = client.post(f"/api/v1/webhook-deliveries/{delivery['id']}/resend", headers=auth)
    assert refused.status_code == 409 and len(receiver.received) == 2


def test_the_brand_rotates_the_secret_and_resends_a_delivery_on_the_page(client, monkeypatch):
    brand = make_user("brand")
    sign_in(client, brand)
    post_form(client, "/webhooks", {"url": URL, "events": ["payout.paid"]})
    endpoint = db.session.query(WebhookEndpoint).filter_by(brand_id=brand.id).one()
    old, page = endpoint.secret, f"/webhooks/{endpoint.id}"
    receiver = mount(monkeypatch, old)
    receiver.down = True
    emit(brand_id=brand.id, event_type="payout.paid", key="payout:3", data={})
    db.session.commit()
    run_inline_jobs()

    rotated = post_form(client, f"{page}/rotate", page=page, follow_redirects=True)
    html = rotated.get_data(as_text=True)
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.secret != old and endpoint.secret in html
    assert "The previous secret also signs until" in html

    receiver.down = False
    delivery = db.session.query(WebhookDelivery).one()
    resent = post_form(client, f"/webhooks/deliveries/{delivery.id}/resend", page=page,
                       follow_redirects=True)  # fmt: skip
    assert "Sending it again now." in resent.get_data(as_text=True)
    [got] = receiver.delivered()
    assert got["valid"]  # signed with the old secret too, during its grace period
    assert "Delivered" in client.get(page).get_data(as_text=True)
