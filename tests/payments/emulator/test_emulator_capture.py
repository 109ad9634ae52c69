"""Asynchronous capture (`Emulator.capture_delay`): right after payment a charge may have no
balance transaction yet; it appears later with `charge.updated`, as Stripe documents."""

from __future__ import annotations

import json

import pytest
from emulator_support import session_params


@pytest.fixture
def sent(emulator) -> list[dict]:
    events: list[dict] = []
    emulator.add_webhook_endpoint(
        lambda payload, headers: events.append(json.loads(payload)) or 200, "whsec_capture"
    )
    return events


def pay(client, emulator):
    session = client.v1.checkout.sessions.create(session_params(amount=10_000))
    emulator.pay_checkout_session(session.id)
    intent = client.v1.payment_intents.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).payment_intent
    )
    return intent


def test_by_default_the_charge_is_booked_at_once(client, emulator, sent):
    intent = pay(client, emulator)

    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.balance_transaction is not None and intent.capture_method == "automatic"
    assert sent[0]["data"]["object"]["balance_transaction"] == charge.balance_transaction


def test_with_a_capture_delay_the_balance_transaction_appears_later(client, emulator, sent):
    emulator.capture_delay = 60
    intent = pay(client, emulator)
    charge = client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})

    assert intent.capture_method == "automatic_async"
    assert (charge.status, charge.balance_transaction) == ("succeeded", None)
    assert sent[0]["type"] == "charge.succeeded"
    assert sent[0]["data"]["object"]["balance_transaction"] is None
    assert client.v1.balance.retrieve().available[0].amount == 0

    emulator.advance(60)

    updated = sent[-1]
    assert updated["type"] == "charge.updated"
    assert updated["data"]["previous_attributes"] == {"balance_transaction": None}
    charge = client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})
    assert charge.balance_transaction.id == updated["data"]["object"]["balance_transaction"]
    assert (charge.balance_transaction.amount, charge.balance_transaction.fee) == (10_000, 320)
    assert client.v1.balance.retrieve().available[0].amount == 9_680


def test_a_zero_delay_books_it_by_the_next_call(client, emulator, sent):
    emulator.capture_delay = 0
    intent = pay(client, emulator)

    assert sent[0]["data"]["object"]["balance_transaction"] is None
    assert client.v1.charges.retrieve(intent.latest_charge).balance_transaction is not None
    assert [event["type"] for event in sent].count("charge.updated") == 0
    emulator.sweep()  # sent on the emulator's own time, not from inside the caller's call
    assert sent[-1]["type"] == "charge.updated"
