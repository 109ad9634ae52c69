from __future__ import annotations

import threading

import pytest
import stripe

AUTH = {"Authorization": "Bearer sk_test_emulator"}


def transfer_params(destination, amount=1_000):
    return {"amount": amount, "currency": "usd", "destination": destination}


@pytest.fixture
def destination(paid_charge, onboarded_account):
    paid_charge(amount=100_000)
    return onboarded_account().id


def test_the_same_key_replays_the_first_transfer(client, destination):
    key = {"idempotency_key": "payout-contract-7"}

    first = client.v1.transfers.create(transfer_params(destination), options=key)
    again = client.v1.transfers.create(transfer_params(destination), options=key)

    assert again.id == first.id
    assert len(client.v1.transfers.list().data) == 1


def test_a_replay_is_byte_for_byte_and_marked(web, destination):
    body = f"amount=500&currency=usd&destination={destination}"
    headers = {**AUTH, "Idempotency-Key": "k1"}

    first = web.post("/v1/transfers", data=body, headers=headers, content_type=FORM)
    again = web.post("/v1/transfers", data=body, headers=headers, content_type=FORM)

    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


FORM = "application/x-www-form-urlencoded"


def test_the_same_key_with_other_parameters_is_an_idempotency_error(client, destination):
    key = {"idempotency_key": "payout-contract-8"}
    client.v1.transfers.create(transfer_params(destination, 1_000), options=key)

    with pytest.raises(stripe.IdempotencyError) as conflict:
        client.v1.transfers.create(transfer_params(destination, 2_000), options=key)

    assert "same parameters" in conflict.value.user_message
    assert conflict.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "x@y.z"}, options=key)
    assert len(client.v1.transfers.list().data) == 1


def test_keys_are_scoped_per_connected_account(client, destination, onboarded_account):
    other = onboarded_account("other@x.test")
    key = {"idempotency_key": "same-key"}

    platform = client.v1.customers.create({"email": "a@x.test"}, options=key)
    connected = client.v1.customers.create(
        {"email": "a@x.test"}, options={**key, "stripe_account": other.id}
    )

    assert platform.id != connected.id


def test_keys_expire_after_24_hours(client, emulator, destination):
    key = {"idempotency_key": "old-key"}
    first = client.v1.transfers.create(transfer_params(destination), options=key)

    emulator.advance(24 * 3600)
    again = client.v1.transfers.create(transfer_params(destination), options=key)

    assert again.id != first.id


def test_business_errors_are_replayed_but_validation_errors_are_not(client, destination):
    key = {"idempotency_key": "too-much"}
    with pytest.raises(stripe.InvalidRequestError) as first:
        client.v1.transfers.create(transfer_params(destination, 10**9), options=key)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.transfers.create(transfer_params(destination, 10**9), options=key)
    assert first.value.code == again.value.code == "balance_insufficient"
    assert again.value.headers.get("idempotent-replayed") == "true"

    bad = {"idempotency_key": "bad-params"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create({"amount": 1, "currency": "usd"}, options=bad)
    fixed = client.v1.customers.create({"email": "fine@x.test"}, options=bad)
    assert fixed.email == "fine@x.test"


def test_a_concurrent_request_with_the_same_key_gets_409(client, emulator, destination):
    emulator.faults.delay_next(0.5)
    key = {"idempotency_key": "racing"}
    results: list[object] = []

    def first_call():
        results.append(client.v1.transfers.create(transfer_params(destination), options=key))

    racer = threading.Thread(target=first_call)
    racer.start()
    while not any('"racing"' in scope for scope in emulator.store.idempotency):
        threading.Event().wait(0.01)
    with pytest.raises(stripe.APIError) as conflict:
        client.v1.transfers.create(transfer_params(destination), options=key)
    racer.join()

    assert conflict.value.http_status == 409
    assert conflict.value.error.type == "idempotency_error"
    assert len(results) == 1 and len(client.v1.transfers.list().data) == 1


def test_an_emulator_crash_is_a_500_kept_under_the_key(client, monkeypatch, caplog, request):
    """Stripe saves 500s too: retrying with the key replays the failure, a new key runs."""
    from app.payments.emulator import customers

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        patched.setattr(customers, "new_object", broken)
        with pytest.raises(stripe.APIError) as crashed:
            client.v1.customers.create({"email": "a@x.test"}, options={"idempotency_key": "c1"})
    assert crashed.value.http_status == 500
    assert "disk on fire" in caplog.text  # logged for whoever runs the emulator

    with pytest.raises(stripe.APIError) as replayed:
        client.v1.customers.create({"email": "a@x.test"}, options={"idempotency_key": "c1"})
    assert replayed.value.headers["idempotent-replayed"] == "true"
    assert replayed.value.http_status == 500
    assert client.v1.customers.create({"email": "a@x.test"}, options={"idempotency_key": "c2"})
    if "_stripe_recorder" in request.fixturenames:  # the crash was on purpose here
        request.getfixturevalue("_stripe_recorder").clear()
