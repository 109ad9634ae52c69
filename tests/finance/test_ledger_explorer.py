"""The ledger explorer: filters, read-only entries, corrections through the form."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.ledger.models import JournalEntry
from tests.conftest import post_form, signed_in
from tests.factories import make_user
from tests.finance.support import payout_of, released_deal
from tests.payments.money_support import funding_of


def test_filters_find_entries_by_stripe_id_contract_kol_and_account(app, stripe_emulator):
    _b, kol, contract = released_deal(app, stripe_emulator)
    _b2, _k2, other = released_deal(app, stripe_emulator)
    client = signed_in(app, make_user("finance"))
    charge_id = funding_of(contract.id).charge_id

    page = client.get(f"/finance/ledger?stripe={charge_id}").get_data(as_text=True)
    assert charge_id in page and funding_of(other.id).charge_id not in page
    by_kol = client.get(f"/finance/ledger?kol={kol.id}&kind=transfer").get_data(as_text=True)
    assert payout_of(contract.id).transfer_id in by_kol
    assert payout_of(other.id).transfer_id not in by_kol
    by_account = client.get(f"/finance/ledger?account=held:contract:{other.id}:usd").get_data(
        as_text=True
    )
    assert f"/finance/contracts/{other.id}" in by_account
    assert f'/finance/contracts/{contract.id}"' not in by_account
    accounts = client.get("/finance/ledger/accounts?kind=held").get_data(as_text=True)
    assert f"held:contract:{contract.id}:usd" in accounts
    assert client.get("/finance/ledger?contract=abc&from=not-a-date").status_code == 200


def test_a_correction_is_a_new_entry_with_its_reason(app, stripe_emulator):
    _b, _k, contract = released_deal(app, stripe_emulator)
    finance = make_user("finance")
    client = signed_in(app, finance)
    fee = db.session.scalar(
        select(JournalEntry).where(
            JournalEntry.contract_id == contract.id, JournalEntry.kind == "stripe_fee"
        )
    )
    original_lines = [(line.account_id, line.amount) for line in fee.lines]
    url = f"/finance/ledger/entries/{fee.id}/correct"
    page = f"/finance/ledger/entries/{fee.id}"

    unbalanced = post_form(
        client,
        url,
        {"reason": "fee overstated", "legs-0-kind": "stripe_fees", "legs-0-amount": "-1.00"},
        page=page,
    )
    assert unbalanced.status_code == 422
    assert "add up to zero" in unbalanced.get_data(as_text=True)
    no_reason = post_form(
        client,
        url,
        {
            "reason": "",
            "legs-0-kind": "stripe_fees",
            "legs-0-amount": "-1.00",
            "legs-1-kind": "stripe_cash",
            "legs-1-amount": "1.00",
        },
        page=page,
    )
    assert no_reason.status_code == 422

    done = post_form(
        client,
        url,
        {
            "reason": "fee overstated by $1",
            "legs-0-kind": "stripe_fees",
            "legs-0-amount": "-1.00",
            "legs-1-kind": "stripe_cash",
            "legs-1-amount": "1.00",
        },
        page=page,
    )
    assert done.status_code == 302
    correction = db.session.scalar(select(JournalEntry).where(JournalEntry.corrects_id == fee.id))
    assert correction.kind == "correction" and correction.memo == "fee overstated by $1"
    assert correction.actor_id == finance.id
    assert sorted(line.amount for line in correction.lines) == [-100, 100]
    db.session.expire_all()
    assert [
        (line.account_id, line.amount) for line in db.session.get(JournalEntry, fee.id).lines
    ] == original_lines
    shown = client.get(page).get_data(as_text=True)
    assert f"/finance/ledger/entries/{correction.id}" in shown
