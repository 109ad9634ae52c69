from __future__ import annotations

import pytest
import stripe


def test_full_refund_by_payment_intent(client, emulator, paid_charge):
    charge = paid_charge(amount=10_000)

    refund = client.v1.refunds.create(
        {"payment_intent": charge.payment_intent, "reason": "requested_by_customer"}
    )

    assert (refund.object, refund.status, refund.amount) == ("refund", "succeeded", 10_000)
    assert refund.id.startswith("re_") and refund.charge == charge.id
    charge = client.v1.charges.retrieve(charge.id)
    assert (charge.refunded, charge.amount_refunded) == (True, 10_000)
    txn = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.type, txn.amount, txn.net) == ("refund", -10_000, -10_000)
    assert {e["type"] for e in emulator.events()} >= {"charge.refunded", "refund.created"}


def test_partial_refunds_add_up_and_an_over_refund_is_refused(client, paid_charge):
    charge = paid_charge(amount=10_000)
    client.v1.refunds.create({"charge": charge.id, "amount": 4_000, "metadata": {"split": "1"}})
    client.v1.refunds.create({"charge": charge.id, "amount": 5_000})

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"charge": charge.id, "amount": 1_001})

    assert (refused.value.code, refused.value.param) == ("amount_too_large", "amount")
    last = client.v1.refunds.create({"charge": charge.id})
    assert last.amount == 1_000
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"charge": charge.id, "amount": 1})
    assert again.value.code == "charge_already_refunded"
    refunds = client.v1.refunds.list({"charge": charge.id})
    assert [r.amount for r in refunds.data] == [1_000, 5_000, 4_000]
    assert client.v1.refunds.retrieve(refunds.data[-1].id).metadata.to_dict() == {"split": "1"}


def test_refund_needs_a_charge_or_payment_intent(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"amount": 100})

    assert refused.value.code == "parameter_missing"


def test_a_chargeback_creates_a_dispute_and_blocks_refunds(client, emulator, paid_charge):
    charge = paid_charge(amount=10_000)

    dispute = emulator.create_dispute(charge.id)

    assert (dispute["object"], dispute["status"], dispute["amount"]) == (
        "dispute",
        "needs_response",
        10_000,
    )
    assert client.v1.charges.retrieve(charge.id).disputed is True
    event = emulator.events("charge.dispute.created")[0]
    assert event["data"]["object"]["charge"] == charge.id
    txns = client.v1.balance_transactions.list({"type": "adjustment"}).data
    assert [(t.amount, t.fee, t.reporting_category) for t in txns] == [(-10_000, 1_500, "dispute")]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"charge": charge.id})
    assert refused.value.code == "charge_disputed"
