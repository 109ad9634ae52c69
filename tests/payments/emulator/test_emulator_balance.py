from __future__ import annotations

import pytest
import stripe
from emulator_support import NOW


def test_auto_paging_iter_walks_more_than_a_hundred_transactions(client, paid_charge):
    charge = paid_charge(amount=1_000)
    for _ in range(120):
        client.v1.refunds.create({"charge": charge.id, "amount": 1})

    first = client.v1.balance_transactions.list({"limit": 100})
    everything = list(client.v1.balance_transactions.list({"limit": 50}).auto_paging_iter())

    assert first.has_more is True and len(first.data) == 100
    assert len(everything) == 121 and len({t.id for t in everything}) == 121
    assert everything[-1].type == "charge"


def test_cursors_page_forwards_and_backwards(client, paid_charge):
    charge = paid_charge(amount=1_000)
    for _ in range(4):
        client.v1.refunds.create({"charge": charge.id, "amount": 1})
    ids = [t.id for t in client.v1.balance_transactions.list({"limit": 100}).data]

    after = client.v1.balance_transactions.list({"limit": 2, "starting_after": ids[1]})
    before = client.v1.balance_transactions.list({"limit": 2, "ending_before": ids[3]})

    assert ([t.id for t in after.data], after.has_more) == (ids[2:4], True)
    assert ([t.id for t in before.data], before.has_more) == (ids[1:3], True)


def test_filters_by_type_created_currency_and_payout(client, emulator, paid_charge):
    emulator.settings.settlement_currencies = ("usd", "jpy")  # a yen bank account too
    charge = paid_charge(amount=10_000)
    paid_charge(amount=5_000, currency="jpy")
    emulator.advance(3_600)
    client.v1.refunds.create({"charge": charge.id, "amount": 1_000})
    payout = client.v1.payouts.create({"amount": 500, "currency": "usd"})

    def listed(**params):
        return [(t.type, t.currency) for t in client.v1.balance_transactions.list(params).data]

    assert listed(type="charge") == [("charge", "jpy"), ("charge", "usd")]
    assert listed(currency="jpy") == [("charge", "jpy")]
    assert listed(created={"gte": NOW + 3_600}) == [("payout", "usd"), ("refund", "usd")]
    assert len(listed(created={"lt": NOW + 3_600})) == 2
    assert listed(created={"gt": NOW, "lte": NOW + 3_600}) == [("payout", "usd"), ("refund", "usd")]
    assert listed(payout=payout.id) == [("payout", "usd")]
    txn = client.v1.balance_transactions.list({"type": "payout"}).data[0]
    assert (txn.source, txn.amount, txn.status, txn.reporting_category) == (
        payout.id,
        -500,
        "available",
        "payout",
    )


def test_limit_must_be_between_1_and_100(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.balance_transactions.list({"limit": 101})

    assert refused.value.param == "limit"


def test_funds_can_be_held_pending_on_the_clock(client, emulator, paid_charge, onboarded_account):
    emulator.availability_delay = 2 * 24 * 3600
    charge, account = paid_charge(amount=10_000), onboarded_account()

    balance = client.v1.balance.retrieve()
    assert (balance.available[0].amount, balance.pending[0].amount) == (0, 9_680)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    client.v1.transfers.create(
        {
            "amount": 100,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": charge.id,
        }
    )

    emulator.advance(2 * 24 * 3600)

    assert client.v1.balance.retrieve().available[0].amount == 9_580
    assert client.v1.balance_transactions.retrieve(charge.balance_transaction).status == "available"
