"""PaymentIntents confirmed on the server with Stripe's test PaymentMethods, disputes listed,
Custom accounts onboarded through the API: the calls `make stripe-check` sends to Stripe."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from app.payments.emulator import Emulator

NO_REDIRECTS = {"enabled": True, "allow_redirects": "never"}


def pay(client: stripe.StripeClient, payment_method: str, **extra: Any) -> stripe.PaymentIntent:
    params = {
        "amount": 2_000,
        "currency": "usd",
        "confirm": True,
        "payment_method": payment_method,
        "automatic_payment_methods": NO_REDIRECTS,
        "transfer_group": "contract_9",
        "metadata": {"contract_id": "9"},
        **extra,
    }
    return client.v1.payment_intents.create(params)


@pytest.fixture
def held_emulator(emulator: Emulator) -> Emulator:
    emulator.availability_delay = 2 * 24 * 3600  # card funds wait two days, as for a new account
    return emulator


def test_a_confirmed_intent_charges_and_its_funds_wait_unless_the_card_bypasses_pending(
    client, held_emulator
):
    visa = pay(client, "pm_card_visa")
    bypass = pay(client, "pm_card_bypassPending")

    assert (visa.status, visa.amount_received, visa.transfer_group) == (
        "succeeded",
        2_000,
        "contract_9",
    )
    charges = [
        client.v1.charges.retrieve(i.latest_charge, {"expand": ["balance_transaction"]})
        for i in (visa, bypass)
    ]
    assert [c.payment_method_details.card.last4 for c in charges] == ["4242", "0077"]
    assert [c.balance_transaction.status for c in charges] == ["pending", "available"]
    assert charges[0].metadata.to_dict() == {"contract_id": "9"}
    types = [e["type"] for e in held_emulator.events()]
    assert types.count("payment_intent.succeeded") == 2
    assert "checkout.session.completed" not in types


def test_a_declined_test_card_answers_402_and_leaves_the_intent_awaiting_a_card(client, emulator):
    with pytest.raises(stripe.CardError) as declined:
        pay(client, "pm_card_chargeDeclinedInsufficientFunds")

    assert declined.value.code == "card_declined"
    [intent] = [e["data"]["object"] for e in emulator.events("payment_intent.payment_failed")]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["decline_code"] == "insufficient_funds"


def test_confirming_on_the_server_needs_redirects_off_or_a_return_url(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        pay(client, "pm_card_visa", automatic_payment_methods={"enabled": True})
    assert "return_url" in str(refused.value)

    intent = pay(
        client,
        "pm_card_visa",
        automatic_payment_methods={"enabled": True},
        return_url="https://kol.example/back",
    )
    assert intent.status == "succeeded"


def test_unknown_payment_methods_and_amounts_under_the_minimum_are_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        pay(client, "pm_card_does_not_exist")
    assert (unknown.value.code, unknown.value.param) == ("resource_missing", "payment_method")
    with pytest.raises(stripe.InvalidRequestError) as small:
        pay(client, "pm_card_visa", amount=49)
    assert (small.value.code, small.value.param) == ("amount_too_small", "amount")


def test_an_intent_created_unconfirmed_is_paid_by_the_confirm_call(client):
    intent = client.v1.payment_intents.create(
        {"amount": 2_000, "currency": "usd", "automatic_payment_methods": NO_REDIRECTS}
    )
    assert intent.status == "requires_payment_method"

    paid = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})

    assert (paid.status, paid.amount_received) == ("succeeded", 2_000)
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert again.value.code == "payment_intent_unexpected_state"


def test_the_dispute_card_opens_a_dispute_listed_by_payment_intent(client, emulator):
    disputed = pay(client, "pm_card_createDispute")
    pay(client, "pm_card_visa")

    found = client.v1.disputes.list({"payment_intent": disputed.id}).data

    assert [(d.charge, d.reason, d.amount) for d in found] == [
        (disputed.latest_charge, "fraudulent", 2_000)
    ]
    assert client.v1.disputes.list({"charge": "ch_other"}).data == []
    assert client.v1.charges.retrieve(disputed.latest_charge).disputed is True


CUSTOM = {
    "type": "custom",
    "country": "US",
    "business_type": "individual",
    "capabilities": {"transfers": {"requested": True}},
    "business_profile": {"mcc": "7311", "url": "https://accessible.stripe.com"},
    "individual": {"first_name": "Test", "dob": {"day": 1, "month": 1, "year": 1902}},
    "external_account": {
        "object": "bank_account",
        "country": "US",
        "currency": "usd",
        "routing_number": "110000000",
        "account_number": "000123456789",
    },
    "tos_acceptance": {"date": 1_700_000_000, "ip": "127.0.0.1"},
}


def test_a_custom_account_with_stripes_test_values_can_take_transfers_at_once(client):
    account = client.v1.accounts.create(CUSTOM)

    assert account.capabilities.transfers == "active"
    assert (account.payouts_enabled, account.requirements.currently_due) == (True, [])


def test_a_custom_account_missing_data_or_with_another_birth_date_is_not_enabled(client):
    missing = client.v1.accounts.create({**CUSTOM, "tos_acceptance": None})
    other_dob = {**CUSTOM["individual"], "dob": {"day": 2, "month": 3, "year": 1990}}
    unverified = client.v1.accounts.create({**CUSTOM, "individual": other_dob})
    express = client.v1.accounts.create({**CUSTOM, "type": "express"})

    assert missing.capabilities.transfers == "inactive"
    assert missing.requirements.currently_due == ["tos_acceptance.date"]
    assert unverified.capabilities.transfers == "inactive"
    assert unverified.requirements.currently_due == ["individual.verification.document"]
    assert express.capabilities.transfers == "inactive"  # Express finishes on Stripe's form
