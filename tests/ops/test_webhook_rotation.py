"""Rotating the Stripe webhook secret: during the rotation both the new secret
(STRIPE_WEBHOOK_SECRET) and the old one (STRIPE_WEBHOOK_SECRETS) verify; any other is 400."""

from __future__ import annotations

import json

import pytest

from app.payments.emulator.webhooks import sign_payload

NEW, OLD = "whsec_new_secret_0001", "whsec_old_secret_0001"  # test values


@pytest.fixture
def rotating(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", NEW)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRETS", f" {OLD} ,")


def _deliver(client, secret: str, event_id: str):
    body = json.dumps(
        {"id": event_id, "object": "event", "type": "ops.test.ignored",
         "data": {"object": {"id": "obj_1"}}}
    ).encode()  # fmt: skip
    headers = {"Stripe-Signature": sign_payload(body, secret), "Content-Type": "application/json"}
    return client.post("/webhooks/stripe", data=body, headers=headers)


def test_new_and_old_secrets_both_verify_during_rotation(client, rotating):
    assert _deliver(client, NEW, "evt_ops_new").get_json()["outcome"] == "ignored"
    assert _deliver(client, OLD, "evt_ops_old").get_json()["outcome"] == "ignored"


def test_a_replayed_event_is_a_harmless_duplicate(client, rotating):
    assert _deliver(client, NEW, "evt_ops_replay").status_code == 200
    assert _deliver(client, OLD, "evt_ops_replay").get_json()["outcome"] == "duplicate"


def test_any_other_secret_is_refused(client, rotating):
    response = _deliver(client, "whsec_someone_else", "evt_ops_bad")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
