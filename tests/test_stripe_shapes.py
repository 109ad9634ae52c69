"""The shape checker that every test's Stripe traffic goes through (tests/conftest.py) catches
what Stripe would not send or accept, and lets a real emulator flow through untouched."""

from __future__ import annotations

import json

import pytest

from app.payments.emulator import Emulator, make_stripe_client
from app.payments.emulator.idempotency import ApiResponse
from tests.stripe_recorder import Exchange, StripeTrafficRecorder, exchange_problems
from tests.stripe_requests import validate_request
from tests.stripe_shapes import validate_error, validate_object

NOW = 1_700_000_000


def refund(**changes):
    body = {
        "id": "re_1",
        "object": "refund",
        "amount": 500,
        "created": NOW,
        "currency": "usd",
        "status": "succeeded",
        "charge": "ch_1",
        "balance_transaction": "txn_1",
        "metadata": {"contract": "7"},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def balance_transaction(**changes):
    body = {
        "id": "txn_1",
        "object": "balance_transaction",
        "amount": 500,
        "available_on": NOW,
        "balance_type": "payments",
        "created": NOW,
        "currency": "usd",
        "fee": 0,
        "fee_details": [],
        "net": 500,
        "reporting_category": "charge",
        "status": "available",
        "type": "charge",
    }
    body.update(changes)
    return body


def test_well_formed_objects_pass():
    assert validate_object(refund()) == []
    assert validate_object(balance_transaction()) == []
    assert validate_object(refund(balance_transaction=balance_transaction())) == []


def test_a_missing_required_field_is_caught():
    problems = validate_object(refund(amount=...))
    assert problems == ["refund re_1.amount: required by Stripe's Refund, missing"]


def test_a_wrong_type_is_caught():
    assert validate_object(refund(amount="500")) == [
        "refund re_1.amount: expected int, got str '500'"
    ]
    assert validate_object(refund(amount=None)) == [
        "refund re_1.amount: null, but Stripe's field is not nullable"
    ]


def test_an_unknown_enum_value_is_caught():
    (problem,) = validate_object(balance_transaction(type="chargeback"))
    assert problem.startswith("balance_transaction txn_1.type: 'chargeback' is not one of")
    (problem,) = validate_object(balance_transaction(reporting_category="chargeback"))
    assert problem.startswith("balance_transaction txn_1.reporting_category: 'chargeback'")
    (problem,) = validate_object(refund(status="done"))
    assert "'done' is not one of ['pending', 'requires_action', 'succeeded'" in problem


def test_a_field_stripe_does_not_have_is_caught():
    assert validate_object(refund(livemode=False)) == [
        "refund re_1.livemode: Stripe's Refund has no such field"
    ]
    nested = validate_object(refund(balance_transaction=balance_transaction(held=True)))
    assert nested == [
        "refund re_1.balance_transaction.held: Stripe's BalanceTransaction has no such field"
    ]


def test_an_events_object_and_previous_attributes_are_checked():
    event = {
        "id": "evt_1",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": NOW,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "refund.updated",
        "data": {"object": refund(livemode=False), "previous_attributes": {"state": "pending"}},
    }
    assert validate_object(event) == [
        "event evt_1.data.object.livemode: Stripe's Refund has no such field",
        "event evt_1.data.previous_attributes.state: Stripe's Refund has no such field",
    ]
    (problem,) = validate_object({**event, "type": "refund.finished", "data": {"object": refund()}})
    assert problem.startswith("event evt_1.type: 'refund.finished' is not one of")


def test_error_bodies_have_stripes_shape():
    good = {"error": {"type": "invalid_request_error", "message": "No such charge", "param": "id"}}
    assert validate_error(good) == []
    assert validate_error({"error": {"type": "server_error", "message": "x"}}) == [
        "error body.error.type: 'server_error' is not one of "
        "('api_error', 'card_error', 'idempotency_error', 'invalid_request_error')"
    ]
    assert validate_error({"error": {"type": "api_error", "detail": "x"}}) == [
        "error body.error.detail: Stripe's ErrorObject has no such field"
    ]


def test_an_unknown_or_mistyped_request_parameter_is_caught():
    assert validate_request("POST", "/v1/refunds", {"charge": "ch_1", "amount": "500"}) == []
    assert validate_request("POST", "/v1/refunds", {"charge": "ch_1", "amonut": "500"}) == [
        "POST /v1/refunds amonut: unknown parameter (not in Stripe's RefundCreateParams)"
    ]
    assert validate_request("POST", "/v1/transfers/tr_1/reversals", {"amount": "ten"}) == [
        "POST /v1/transfers/tr_1/reversals amount: 'ten' is not a valid int"
    ]
    nested = {"mode": "payment", "line_items": [{"price_data": {"currency": "usd"}, "qty": "1"}]}
    assert "POST /v1/checkout/sessions line_items[0][qty]: unknown parameter" in " ".join(
        validate_request("POST", "/v1/checkout/sessions", nested)
    )
    assert validate_request("POST", "/v1/escrows", {}) == [
        "POST /v1/escrows: Stripe's API has no such endpoint"
    ]


def test_the_emulator_accepting_what_stripe_refuses_is_caught():
    body = json.dumps(refund()).encode()
    accepted = Exchange("POST", "/v1/refunds", {"charge": "ch_1", "bogus": "1"}, 200, body)
    assert exchange_problems(accepted) == [
        "accepted, but Stripe refuses it: POST /v1/refunds bogus: unknown parameter "
        "(not in Stripe's RefundCreateParams)"
    ]
    error = json.dumps({"error": {"type": "invalid_request_error", "message": "unknown"}})
    refused = Exchange("POST", "/v1/refunds", {"bogus": "1"}, 400, error.encode())
    assert exchange_problems(refused) == []
    wrong_kind = Exchange(
        "POST", "/v1/refunds", {"charge": "ch_1"}, 200, json.dumps(balance_transaction()).encode()
    )
    assert exchange_problems(wrong_kind) == [
        "POST /v1/refunds → 200: answered a 'balance_transaction', Stripe answers a 'refund'"
    ]
    page = {
        "object": "list",
        "data": [balance_transaction()],
        "has_more": False,
        "url": "/v1/refunds",
    }
    listed = Exchange("GET", "/v1/refunds", {}, 200, json.dumps(page).encode())
    assert exchange_problems(listed) == [
        "GET /v1/refunds → 200.data[0]: answered a 'balance_transaction', Stripe answers a 'refund'"
    ]


@pytest.fixture
def recorded():
    """A recorder of its own, so this test sees exactly the flow below."""
    from app.payments.emulator.observers import OBSERVERS

    recorder = StripeTrafficRecorder()
    OBSERVERS.append(recorder)
    yield recorder
    OBSERVERS.remove(recorder)


def test_a_real_emulator_money_flow_passes(recorded):
    emulator = Emulator()
    emulator.set_time(NOW)
    client = make_stripe_client(emulator)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "success_url": "https://kol.example/funded",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 10_000,
                        "product_data": {"name": "Sponsored note"},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": {"transfer_group": "contract_7", "metadata": {"contract": "7"}},
        }
    )
    emulator.pay_checkout_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["payment_intent.latest_charge.balance_transaction"]}
    )
    charge = paid.payment_intent.latest_charge
    account = client.v1.accounts.create(
        {"type": "express", "country": "US", "capabilities": {"transfers": {"requested": True}}}
    )
    emulator.complete_onboarding(account.id)
    transfer = client.v1.transfers.create(
        {
            "amount": 6_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
        }
    )
    client.v1.transfers.reversals.create(transfer.id, {"amount": 1_000})
    client.v1.refunds.create({"charge": charge.id, "amount": 2_000})
    emulator.create_dispute(charge.id, amount=1_000)
    client.v1.balance_transactions.list({"limit": 100})
    client.v1.events.list({"limit": 100})

    assert len(recorded.exchanges) >= 8
    assert {event["type"] for event in recorded.events} >= {
        "checkout.session.completed",
        "charge.succeeded",
        "transfer.created",
        "charge.dispute.created",
    }
    assert recorded.problems() == []


def test_a_recorder_reports_a_bad_response(recorded):
    recorded.request_answered(
        "GET",
        "/v1/refunds/re_1",
        {},
        ApiResponse(200, json.dumps(refund(livemode=False)).encode(), {}),
    )
    assert recorded.problems() == [
        "GET /v1/refunds/re_1 → 200 refund.livemode: Stripe's Refund has no such field"
    ]
    recorded.clear()
