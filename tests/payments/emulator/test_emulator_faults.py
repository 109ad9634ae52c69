from __future__ import annotations

import pytest
import stripe
from emulator_support import NOW, session_params

from app.payments.emulator import Emulator, EmulatorError, make_stripe_client


@pytest.fixture
def destination(paid_charge, onboarded_account):
    paid_charge(amount=100_000)
    return onboarded_account().id


def transfer(destination):
    return {"amount": 1_000, "currency": "usd", "destination": destination}


def test_an_injected_500_is_kept_under_its_key_and_replayed(client, emulator, destination):
    """As on Stripe: a 500 after the call began is the key's answer for 24 hours."""
    emulator.faults.fail_next(1)
    key = {"idempotency_key": "payout-9"}

    for _ in range(2):
        with pytest.raises(stripe.APIError) as failed:
            client.v1.transfers.create(transfer(destination), options=key)
        assert failed.value.http_status == 500
        assert failed.value.headers["stripe-should-retry"] == "false"
    assert failed.value.headers["idempotent-replayed"] == "true"
    assert client.v1.transfers.list().data == []  # no money moved

    created = client.v1.transfers.create(transfer(destination), options={"idempotency_key": "n"})
    assert [t.id for t in client.v1.transfers.list().data] == [created.id]


def test_a_failure_before_execution_is_not_kept(client, emulator, destination):
    emulator.faults.fail_next(2, stored=False)

    for _ in range(2):
        with pytest.raises(stripe.APIError) as failed:
            client.v1.transfers.create(transfer(destination), options={"idempotency_key": "t1"})
        assert failed.value.http_status == 500

    assert client.v1.transfers.list().data == []
    created = client.v1.transfers.create(transfer(destination), options={"idempotency_key": "t1"})
    assert client.v1.transfers.list().data[0].id == created.id


def test_an_injected_refusal_is_not_kept(client, emulator, destination):
    emulator.faults.fail_next(1, status=400)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(transfer(destination), options={"idempotency_key": "t2"})

    created = client.v1.transfers.create(transfer(destination), options={"idempotency_key": "t2"})

    assert created.amount == 1_000


def test_a_lost_response_is_recovered_by_retrying_with_the_same_key(client, emulator, destination):
    emulator.faults.lose_next_response()
    key = {"idempotency_key": "release-contract-7"}

    with pytest.raises(stripe.APIConnectionError):
        client.v1.transfers.create(transfer(destination), options=key)
    assert len(client.v1.transfers.list().data) == 1

    retried = client.v1.transfers.create(transfer(destination), options=key)

    assert [t.id for t in client.v1.transfers.list().data] == [retried.id]


def test_a_lost_response_without_our_own_key_pays_twice(client, emulator, destination):
    """Why the app must pass its own key: the SDK's random key does not survive a re-run."""
    emulator.faults.lose_next_response()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.transfers.create(transfer(destination))

    client.v1.transfers.create(transfer(destination))

    assert len(client.v1.transfers.list().data) == 2


def test_sdk_retries_reuse_their_key_and_replay(emulator, destination):
    retrying = make_stripe_client(emulator, max_network_retries=1)
    emulator.faults.lose_next_response()

    created = retrying.v1.transfers.create(transfer(destination))

    assert [t.id for t in retrying.v1.transfers.list().data] == [created.id]


def test_decline_next_card(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    emulator.faults.decline_next_card()

    with pytest.raises(EmulatorError):
        emulator.pay_checkout_session(session.id)
    assert emulator.pay_checkout_session(session.id)["payment_status"] == "paid"


def test_delay_next_still_answers(client, emulator):
    emulator.faults.delay_next(0.05)

    assert client.v1.customers.create({"email": "slow@x.test"}).email == "slow@x.test"


def test_the_clock_drives_created_timestamps(client, emulator):
    assert client.v1.customers.create({}).created == NOW

    emulator.advance(90)
    assert client.v1.customers.create({}).created == NOW + 90

    emulator.clock = NOW + 1_000
    assert client.v1.customers.create({}).created == NOW + 1_000 == emulator.clock


def test_reset_forgets_everything(client, emulator):
    customer = client.v1.customers.create({})
    emulator.faults.fail_next()

    emulator.reset()

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(customer.id)


def test_state_persists_across_restarts(tmp_path, destination):
    path = tmp_path / "stripe.json"
    first = Emulator(path)
    client = make_stripe_client(first)
    customer = client.v1.customers.create(
        {"email": "kept@x.test"}, options={"idempotency_key": "c"}
    )

    restarted = make_stripe_client(Emulator(path))

    assert restarted.v1.customers.retrieve(customer.id).email == "kept@x.test"
    again = restarted.v1.customers.create(
        {"email": "kept@x.test"}, options={"idempotency_key": "c"}
    )
    assert again.id == customer.id
