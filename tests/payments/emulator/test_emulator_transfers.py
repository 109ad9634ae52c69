from __future__ import annotations

import pytest
import stripe


def available(balance, currency="usd"):
    return {b.currency: b.amount for b in balance.available}.get(currency, 0)


def test_transfer_from_a_charge_moves_funds_to_the_account(
    client, emulator, paid_charge, onboarded_account
):
    charge, account = paid_charge(amount=10_000), onboarded_account()

    transfer = client.v1.transfers.create(
        {
            "amount": 9_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
            "transfer_group": "contract_7",
            "metadata": {"contract": "7"},
        }
    )

    assert transfer.id.startswith("tr_") and transfer.object == "transfer"
    assert (transfer.amount, transfer.source_transaction) == (9_000, charge.id)
    assert available(client.v1.balance.retrieve()) == 9_680 - 9_000
    assert available(client.v1.balance.retrieve(options={"stripe_account": account.id})) == 9_000
    platform_txn = client.v1.balance_transactions.retrieve(transfer.balance_transaction)
    assert (platform_txn.type, platform_txn.amount) == ("transfer", -9_000)
    account_txns = client.v1.balance_transactions.list(options={"stripe_account": account.id})
    assert [(t.type, t.amount) for t in account_txns.data] == [("payment", 9_000)]
    assert emulator.events("transfer.created")[0]["data"]["object"]["id"] == transfer.id


def test_a_source_transaction_caps_what_can_be_transferred(client, paid_charge, onboarded_account):
    charge, account = paid_charge(amount=10_000), onboarded_account()
    paid_charge(amount=50_000)  # platform funds that must not be drawn through this charge
    params = {"currency": "usd", "destination": account.id, "source_transaction": charge.id}
    client.v1.transfers.create({"amount": 6_000, **params})
    client.v1.refunds.create({"charge": charge.id, "amount": 3_000})

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create({"amount": 1_001, **params})

    assert (refused.value.code, refused.value.param) == ("balance_insufficient", "amount")
    assert client.v1.transfers.create({"amount": 1_000, **params}).amount == 1_000


def test_a_transfer_beyond_the_available_balance_is_refused(client, paid_charge, onboarded_account):
    paid_charge(amount=10_000)
    account = onboarded_account()

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create({"amount": 9_681, "currency": "usd", "destination": account.id})

    assert refused.value.code == "balance_insufficient"
    assert client.v1.transfers.list().data == []
    ok = client.v1.transfers.create({"amount": 9_680, "currency": "usd", "destination": account.id})
    assert ok.amount == 9_680


def test_transfer_currency_must_match_the_source_charge(client, paid_charge, onboarded_account):
    charge, account = paid_charge(), onboarded_account()

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(
            {
                "amount": 100,
                "currency": "eur",
                "destination": account.id,
                "source_transaction": charge.id,
            }
        )

    assert refused.value.param == "currency"


def test_transfers_list_filters_by_destination_and_group(client, paid_charge, onboarded_account):
    paid_charge(amount=100_000)
    first, second = onboarded_account("a@x.test"), onboarded_account("b@x.test")
    for destination, group in [(first, "g1"), (second, "g1"), (second, "g2")]:
        client.v1.transfers.create(
            {
                "amount": 100,
                "currency": "usd",
                "destination": destination.id,
                "transfer_group": group,
            }
        )

    by_destination = client.v1.transfers.list({"destination": second.id})
    by_group = client.v1.transfers.list({"transfer_group": "g1"})

    assert [t.transfer_group for t in by_destination.data] == ["g2", "g1"]
    assert {t.destination for t in by_group.data} == {first.id, second.id}


def test_reversals_are_capped_by_the_transfer_and_by_the_account_balance(
    client, emulator, paid_charge, onboarded_account
):
    charge, account = paid_charge(amount=10_000), onboarded_account()
    transfer = client.v1.transfers.create(
        {
            "amount": 8_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
        }
    )

    reversal = client.v1.transfers.reversals.create(transfer.id, {"amount": 3_000})
    assert reversal.id.startswith("trr_") and reversal.transfer == transfer.id
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.transfers.reversals.create(transfer.id, {"amount": 5_001})
    assert too_much.value.code == "amount_too_large"

    client.v1.payouts.create(
        {"amount": 4_000, "currency": "usd"}, options={"stripe_account": account.id}
    )
    with pytest.raises(stripe.InvalidRequestError) as spent:
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1_001})
    assert spent.value.code == "balance_insufficient"

    client.v1.transfers.reversals.create(transfer.id, {"amount": 1_000})
    transfer = client.v1.transfers.retrieve(transfer.id)
    assert (transfer.amount_reversed, transfer.reversed) == (4_000, False)
    listed = client.v1.transfers.reversals.list(transfer.id)
    assert [r.amount for r in listed.data] == [1_000, 3_000]
    assert len(emulator.events("transfer.reversed")) == 2
    txn = client.v1.balance_transactions.retrieve(reversal.balance_transaction)
    assert (txn.type, txn.amount) == ("transfer_refund", 3_000)


def test_stripe_account_scopes_objects_balances_and_payouts(client, paid_charge, onboarded_account):
    charge, account, other = paid_charge(), onboarded_account(), onboarded_account("o@x.test")
    transfer = client.v1.transfers.create(
        {
            "amount": 5_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
        }
    )
    as_account = {"stripe_account": account.id}
    payout = client.v1.payouts.create({"amount": 2_000, "currency": "usd"}, options=as_account)

    assert payout.status == "paid"
    assert available(client.v1.balance.retrieve(options=as_account)) == 3_000
    assert client.v1.balance.retrieve(options={"stripe_account": other.id}).available[0].amount == 0
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        client.v1.transfers.retrieve(transfer.id, options=as_account)
    assert hidden.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.retrieve(payout.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.retrieve(payout.id, options={"stripe_account": other.id})
    assert client.v1.payouts.retrieve(payout.id, options=as_account).amount == 2_000
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.retrieve(other.id, options=as_account)
    with pytest.raises(stripe.PermissionError):
        client.v1.balance.retrieve(options={"stripe_account": "acct_unknown"})


def test_payouts_cannot_exceed_the_available_balance(client, paid_charge, onboarded_account):
    paid_charge(amount=10_000)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payouts.create({"amount": 9_681, "currency": "usd"})

    assert refused.value.code == "balance_insufficient"
    payout = client.v1.payouts.create({"amount": 9_680, "currency": "usd"})
    assert client.v1.payouts.list().data[0].id == payout.id
    assert available(client.v1.balance.retrieve()) == 0
