from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
import stripe
from emulator_support import NOW, session_params

from app.payments.emulator import Emulator, make_stripe_client

SECRET = "whsec_test_secret"


class Receiver:
    """Stands in for the app's webhook route: verifies like the app will."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.events: list[stripe.Event] = []
        self.raw: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, payload: bytes, headers: dict[str, str]) -> int:
        self.raw.append((payload, headers))
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], SECRET)
        self.events.append(event)
        return self.status

    @property
    def types(self) -> list[str]:
        return [event.type for event in self.events]


@pytest.fixture
def receiver(emulator):
    receiver = Receiver()
    emulator.add_webhook_endpoint(receiver, SECRET)
    return receiver


def test_events_are_signed_so_the_sdk_verifies_them(client, emulator, receiver):
    session = client.v1.checkout.sessions.create(session_params())

    emulator.pay_checkout_session(session.id)

    assert receiver.types == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = receiver.events[-1]
    assert completed.data.object.id == session.id
    assert (completed.object, completed.livemode, completed.pending_webhooks) == ("event", False, 1)
    assert completed.api_version and completed.request.id is None
    payload = json.loads(receiver.raw[-1][0])
    assert set(payload) >= {"id", "object", "type", "created", "data", "api_version", "request"}


def test_a_wrong_secret_fails_verification(client, emulator, receiver):
    client.v1.customers.create({"email": "a@b.test"})
    payload, headers = receiver.raw[0]

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], "whsec_wrong")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload + b" ", headers["Stripe-Signature"], SECRET)


def test_api_caused_events_carry_the_request_and_idempotency_key(client, receiver):
    client.v1.customers.create({"email": "a@b.test"}, options={"idempotency_key": "cust-1"})

    assert receiver.events[0].request.idempotency_key == "cust-1"
    assert receiver.events[0].request.id.startswith("req_")


def test_events_can_be_retrieved_and_listed(client, receiver):
    client.v1.customers.create({"email": "a@b.test"})
    event_id = receiver.events[0].id

    assert client.v1.events.retrieve(event_id).type == "customer.created"
    assert [e.id for e in client.v1.events.list({"type": "customer.created"}).data] == [event_id]


def test_failed_deliveries_are_kept_and_retried(client, emulator):
    receiver = Receiver(status=500)
    emulator.add_webhook_endpoint(receiver, SECRET)
    client.v1.customers.create({"email": "a@b.test"})
    assert len(emulator.failed_deliveries) == 1

    receiver.status = 200
    retried = emulator.retry_failed_deliveries()

    assert [d.ok for d in retried] == [True]
    assert emulator.failed_deliveries == []
    assert receiver.types == ["customer.created", "customer.created"]


def test_a_receiver_that_raises_counts_as_a_failed_delivery(client, emulator):
    def broken(payload, headers):
        raise RuntimeError("down")

    emulator.add_webhook_endpoint(broken, SECRET)

    client.v1.customers.create({"email": "a@b.test"})

    assert emulator.deliveries[0].status is None and "down" in emulator.deliveries[0].error
    assert len(emulator.failed_deliveries) == 1


def test_replay_event_redelivers(client, emulator, receiver):
    client.v1.customers.create({"email": "a@b.test"})

    emulator.replay_event(receiver.events[0].id)

    assert [e.id for e in receiver.events] == [receiver.events[0].id] * 2


def test_duplicate_webhooks(client, emulator, receiver):
    emulator.faults.duplicate_webhooks(True)

    client.v1.customers.create({"email": "a@b.test"})

    assert receiver.types == ["customer.created", "customer.created"]


def test_held_webhooks_flush_in_reverse(client, emulator, receiver):
    emulator.hold_webhooks()
    session = client.v1.checkout.sessions.create(session_params())
    emulator.pay_checkout_session(session.id)
    assert receiver.events == []

    emulator.hold_webhooks(False)
    assert emulator.flush_webhooks(order="reverse") == 3

    assert receiver.types[0] == "checkout.session.completed"
    assert receiver.types[-1] == "charge.succeeded"


def test_shuffled_webhooks_arrive_out_of_order(client, emulator, receiver):
    emulator.faults.shuffle_webhooks(True)
    session = client.v1.checkout.sessions.create(session_params())

    emulator.pay_checkout_session(session.id)

    assert sorted(receiver.types) == sorted(
        ["charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]
    )
    assert receiver.types != ["charge.succeeded", "payment_intent.succeeded",
                              "checkout.session.completed"]  # fmt: skip


def test_connect_endpoints_get_only_connected_account_events(client, emulator, onboarded_account):
    platform, connect = Receiver(), Receiver()
    emulator.add_webhook_endpoint(platform, SECRET, connect=False)
    emulator.add_webhook_endpoint(connect, SECRET, connect=True)

    account = onboarded_account()

    assert connect.types == ["account.updated"] and connect.events[0].account == account.id
    assert "account.updated" not in platform.types


def test_delivery_happens_outside_the_lock(client, emulator):
    """A receiver may call Stripe back from another thread (as a web server would)."""
    seen: list[str] = []

    def calls_back(payload, headers):
        event_id = json.loads(payload)["id"]
        worker = threading.Thread(
            target=lambda: seen.append(client.v1.events.retrieve(event_id).id)
        )
        worker.start()
        worker.join(timeout=5)
        return 200 if seen else 500

    emulator.add_webhook_endpoint(calls_back, SECRET)

    client.v1.customers.create({"email": "a@b.test"})

    assert len(seen) == 1 and emulator.failed_deliveries == []


def test_background_delivery_does_not_block_the_caller():
    emulator = Emulator(webhook_thread=True)
    release = threading.Event()
    receiver = Receiver()

    def slow(payload, headers):
        release.wait(timeout=5)
        return receiver(payload, headers)

    emulator.add_webhook_endpoint(slow, SECRET)

    make_stripe_client(emulator).v1.customers.create({"email": "a@b.test"})
    assert receiver.events == []
    release.set()
    emulator.wait_for_webhooks()

    assert receiver.types == ["customer.created"]


def test_a_failed_delivery_is_retried_with_backoff_on_the_clock(client, emulator):
    receiver = Receiver(status=503)
    emulator.add_webhook_endpoint(receiver, SECRET)
    client.v1.customers.create({"email": "a@b.test"})
    assert [owed["next_attempt"] for owed in emulator.owed_deliveries()] == [NOW + 60]

    emulator.advance(59)
    assert len(receiver.events) == 1  # not due yet
    emulator.advance(1)
    assert len(receiver.events) == 2  # 1 minute after the first attempt
    assert emulator.owed_deliveries()[0]["next_attempt"] == NOW + 60 + 120

    receiver.status = 200
    emulator.advance(120)

    assert receiver.types == ["customer.created"] * 3
    assert emulator.owed_deliveries() == [] and emulator.failed_deliveries == []


def test_retries_back_off_for_three_days_then_stop(client, emulator):
    receiver = Receiver(status=500)
    emulator.add_webhook_endpoint(receiver, SECRET)
    client.v1.customers.create({"email": "a@b.test"})
    attempts = [NOW]

    while owed := emulator.owed_deliveries():
        emulator.set_time(owed[0]["next_attempt"])
        attempts.append(emulator.clock)

    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert gaps[:5] == [60, 120, 240, 480, 960]
    assert max(gaps) == 12 * 3600
    assert attempts[-1] <= NOW + 3 * 24 * 3600 < attempts[-1] + 12 * 3600
    assert len(receiver.events) == len(attempts) == 15  # the first and 14 retries


def test_held_events_wait_and_retries_do_not_jump_the_hold(client, emulator):
    receiver = Receiver(status=500)
    emulator.add_webhook_endpoint(receiver, SECRET)
    client.v1.customers.create({"email": "a@b.test"})
    emulator.hold_webhooks()

    emulator.advance(3600)

    assert len(receiver.events) == 1
    emulator.hold_webhooks(False)
    emulator.sweep()
    assert len(receiver.events) == 2


def deliverer(status: list[int], seen: list[str]):
    """What each process registers, as gateway.init_app does: the same function by name."""

    def deliver(payload: bytes, headers: dict[str, str]) -> int:
        seen.append(json.loads(payload)["type"])
        return status[0]

    return deliver


def test_another_process_retries_what_one_owes(tmp_path):
    """Owed deliveries live with the shared state: any process with the endpoint sends them."""
    path = tmp_path / "emulator.sqlite3"
    first, second = Emulator(path), Emulator(path)
    first_seen: list[str] = []
    second_seen: list[str] = []
    first.add_webhook_endpoint(deliverer([500], first_seen), SECRET)
    second.add_webhook_endpoint(deliverer([200], second_seen), SECRET)
    first.set_time(NOW)

    make_stripe_client(first).v1.customers.create({"email": "a@b.test"})
    assert first_seen == ["customer.created"] and len(second.owed_deliveries()) == 1

    second.advance(60)

    assert second_seen == ["customer.created"]
    assert first.owed_deliveries() == [] and first_seen == ["customer.created"]


def test_events_of_timers_due_inside_a_call_are_sent_by_the_next_sweep(monkeypatch):
    """The caller of that API call may hold its own database transaction: never deliver from
    inside it what the clock, not the call, caused."""
    emulator = Emulator()
    receiver = Receiver()
    emulator.add_webhook_endpoint(receiver, SECRET)
    client = make_stripe_client(emulator)
    session = client.v1.checkout.sessions.create(session_params())
    later = time.time() + 24 * 3600
    monkeypatch.setattr("app.payments.emulator.state.time.time", lambda: later)

    client.v1.customers.create({"email": "a@b.test"})

    assert receiver.types == ["customer.created"]
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    emulator.sweep()
    assert receiver.types == ["customer.created", "checkout.session.expired"]
