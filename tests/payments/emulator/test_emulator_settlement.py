"""Settlement currency, pending and failed refunds, dispute fund movements — as Stripe does
them, through the real SDK."""

from __future__ import annotations

import pytest
import stripe


def _txn(client, charge_id: str) -> stripe.BalanceTransaction:
    charge = client.v1.charges.retrieve(charge_id, {"expand": ["balance_transaction"]})
    return charge.balance_transaction


def test_a_charge_in_another_currency_settles_in_the_platform_currency(client, paid_charge):
    charge = paid_charge(amount=100_000, currency="jpy")  # ¥100,000 on a US-dollar platform

    txn = _txn(client, charge.id)

    assert (charge.amount, charge.currency) == (100_000, "jpy")
    assert (txn.currency, txn.amount, txn.exchange_rate) == ("usd", 67_000, 0.0067)
    assert txn.fee == (67_000 * 29 + 500) // 1000 + 30  # the fee is in dollars too
    assert txn.fee_details[0].currency == "usd"


def test_a_charge_in_a_settlement_currency_is_not_converted(client, emulator, paid_charge):
    emulator.settings.settlement_currencies = ("usd", "eur")
    txn = _txn(client, paid_charge(amount=5_000, currency="eur").id)

    assert (txn.currency, txn.amount, txn.exchange_rate) == ("eur", 5_000, None)


def test_a_source_transaction_transfer_must_be_in_the_settlement_currency(
    client, paid_charge, onboarded_account
):
    charge = paid_charge(amount=100_000, currency="jpy")
    account = onboarded_account()

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(
            {
                "amount": 50_000,
                "currency": "jpy",
                "destination": account.id,
                "source_transaction": charge.id,
            }
        )
    assert refused.value.param == "currency"
    transfer = client.v1.transfers.create(
        {
            "amount": 60_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
        }
    )
    assert (transfer.amount, transfer.currency) == (60_000, "usd")
    with pytest.raises(stripe.InvalidRequestError) as too_much:  # $670 settled, $600 gone
        client.v1.transfers.create(
            {
                "amount": 8_000,
                "currency": "usd",
                "destination": account.id,
                "source_transaction": charge.id,
            }
        )
    assert too_much.value.code == "balance_insufficient"


def test_a_refund_waits_pending_while_the_available_balance_is_short(client, emulator, paid_charge):
    emulator.settings.debit_negative_balances = False
    charge = paid_charge(amount=10_000)  # available: 10,000 less Stripe's fee

    refund = client.v1.refunds.create({"charge": charge.id})

    assert (refund.status, refund.pending_reason, refund.balance_transaction) == (
        "pending",
        "insufficient_funds",
        None,
    )
    assert emulator.settle_refunds() == 0  # still short
    paid_charge(amount=1_000)  # more money arrives
    assert emulator.settle_refunds() == 1
    refund = client.v1.refunds.retrieve(refund.id)
    assert (refund.status, refund.pending_reason) == ("succeeded", None)
    updated = emulator.events("refund.updated")[-1]
    assert updated["data"]["previous_attributes"] == {"status": "pending"}
    assert emulator.events("charge.refund.updated")[-1]["data"]["object"]["id"] == refund.id


def test_a_refund_can_be_accepted_and_then_fail(client, emulator, paid_charge):
    charge = paid_charge(amount=10_000)
    emulator.faults.next_refunds("fail")

    refund = client.v1.refunds.create({"charge": charge.id, "amount": 4_000})
    assert (refund.status, refund.pending_reason) == ("pending", "processing")
    emulator.settle_refunds()

    refund = client.v1.refunds.retrieve(refund.id)
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    charge = client.v1.charges.retrieve(charge.id)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert [e["data"]["object"]["id"] for e in emulator.events("refund.failed")] == [refund.id]


def test_a_succeeded_refund_that_fails_later_returns_the_money(client, emulator, paid_charge):
    charge = paid_charge(amount=10_000)
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 4_000})
    assert refund.status == "succeeded"

    emulator.fail_refund(refund.id, "lost_or_stolen_card")

    refund = client.v1.refunds.retrieve(refund.id)
    back = client.v1.balance_transactions.retrieve(refund.failure_balance_transaction)
    assert (back.type, back.amount, back.reporting_category) == (
        "refund_failure",
        4_000,
        "refund_failure",
    )
    assert client.v1.charges.retrieve(charge.id).amount_refunded == 0


def test_a_dispute_withdraws_funds_and_a_won_one_reinstates_them(client, emulator, paid_charge):
    charge = paid_charge(amount=10_000)
    dispute = emulator.create_dispute(charge.id)

    withdrawn = emulator.events("charge.dispute.funds_withdrawn")
    assert [e["data"]["object"]["id"] for e in withdrawn] == [dispute["id"]]
    taken = dispute["balance_transactions"][0]
    assert (taken["type"], taken["amount"], taken["fee"], taken["reporting_category"]) == (
        "adjustment",
        -10_000,
        1_500,
        "dispute",
    )
    assert taken["fee_details"][0]["description"] == "Dispute fee"

    closed = emulator.close_dispute(dispute["id"], won=True)

    back = closed["balance_transactions"][1]
    assert (back["amount"], back["fee"], back["reporting_category"]) == (
        10_000,
        0,
        "dispute_reversal",
    )
    assert len(emulator.events("charge.dispute.funds_reinstated")) == 1
    types = [e["type"] for e in emulator.events() if e["type"].startswith("charge.dispute")]
    assert types == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]


def test_a_lost_dispute_reinstates_nothing(emulator, paid_charge):
    charge = paid_charge(amount=10_000)
    dispute = emulator.create_dispute(charge.id)

    closed = emulator.close_dispute(dispute["id"], won=False)

    assert closed["status"] == "lost" and len(closed["balance_transactions"]) == 1
    assert emulator.events("charge.dispute.funds_reinstated") == []
