from __future__ import annotations

import json

import pytest
import stripe

from app.payments.emulator import make_stripe_client


def test_unknown_endpoints_are_404_invalid_request(client, web):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.raw_request("get", "/v1/coupons_that_do_not_exist")

    assert unknown.value.http_status == 404
    assert "Unrecognized request URL" in unknown.value.user_message
    raw = web.post("/v1/nothing", headers={"Authorization": "Bearer sk_test_x"})
    assert raw.status_code == 404
    assert raw.json["error"]["type"] == "invalid_request_error"


def test_requests_without_an_api_key_are_401(web):
    response = web.get("/v1/balance")

    assert response.status_code == 401
    assert response.json["error"]["type"] == "invalid_request_error"


def test_a_live_or_malformed_key_raises_authentication_error(emulator):
    live = make_stripe_client(emulator, api_key="sk_live_nope")

    with pytest.raises(stripe.AuthenticationError):
        live.v1.balance.retrieve()


def test_missing_objects_are_404_with_the_stripe_message(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.transfers.retrieve("tr_missing")

    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.user_message == "No such transfer: 'tr_missing'"


def test_nested_form_parameters_and_metadata_round_trip(web):
    body = "email=a%40b.test&metadata[contract]=7&metadata[note]=a+b"

    response = web.post(
        "/v1/customers",
        data=body,
        headers={"Authorization": "Bearer sk_test_x"},
        content_type="application/x-www-form-urlencoded",
    )

    customer = json.loads(response.get_data())
    assert (customer["object"], customer["email"]) == ("customer", "a@b.test")
    assert customer["metadata"] == {"contract": "7", "note": "a b"}
    assert response.headers["Request-Id"].startswith("req_")


def test_amounts_must_be_positive_integers(client, paid_charge, onboarded_account):
    paid_charge()
    account = onboarded_account()

    for amount in (0, -1, "1.5"):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.transfers.create(
                {"amount": amount, "currency": "usd", "destination": account.id}
            )
        assert refused.value.param == "amount"


def test_expand_returns_nested_objects(client, paid_charge):
    charge = paid_charge()

    intent = client.v1.payment_intents.retrieve(
        charge.payment_intent, {"expand": ["latest_charge.balance_transaction"]}
    )

    assert intent.latest_charge.balance_transaction.net == 9_680
