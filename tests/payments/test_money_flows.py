"""Every money flow through the real SDK against the emulator, with the books checked after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.campaigns.models import Campaign
from app.contracts.lifecycle import mark_submitted
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.extensions import db
from app.ledger.models import HELD, PAYABLE, REVENUE
from app.ledger.services import balance
from app.payments.approvals import approve_contract
from app.payments.disputes import open_dispute, resolve_dispute
from app.payments.models import Payout, PayoutStatus, Refund
from app.payments.refunds import cancel_contract
from app.periodic import run_ticks
from tests.conftest import post_form, sign_in
from tests.factories import make_contract, make_deal, make_kol, make_user
from tests.notes.support import live_note
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, funding_of, onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _submit_and_approve(contract, kol, brand):
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()


def _transfers(emulator, destination=None):
    transfers = (
        [o for o in emulator.store.objects.values() if o.get("object") == "transfer"]
        if hasattr(emulator.store, "objects")
        else None
    )
    if transfers is None:
        transfers = [e["data"]["object"] for e in emulator.events("transfer.created")]
    return [t for t in transfers if destination is None or t["destination"] == destination]


def test_funding_through_checkout_marks_the_contract_funded(app, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    fund(app, contract, brand, stripe_emulator)
    contract = db.session.get(Contract, contract.id)
    assert contract.status == ContractStatus.FUNDED
    funding = funding_of(contract.id)
    assert funding.status == "paid" and funding.amount == 50_000 + 2_500  # price + 5 % fee
    assert balance(HELD, "usd", contract_id=contract.id) == 52_500
    session = stripe_emulator.get(funding.checkout_session_id)
    assert (
        session["payment_intent"]
        and stripe_emulator.get(session["payment_intent"])["transfer_group"]
        == f"contract_{contract.id}"
    )


def test_declined_card_leaves_the_contract_unfunded(app, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    from app.payments.emulator import EmulatorError

    with pytest.raises(EmulatorError):
        fund(app, contract, brand, stripe_emulator, card="4000000000000002")
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING
    assert balance(HELD, "usd", contract_id=contract.id) == 0


def test_another_brand_cannot_fund_or_see_it(app, stripe_emulator):
    deal = make_deal()
    contract = deal.contract
    other = make_user("brand")
    client = app.test_client()
    sign_in(client, other)
    response = post_form(client, f"/contracts/{contract.id}/fund", page="/", follow_redirects=False)
    # 404, exactly as for a contract that does not exist: another brand does not learn it does.
    assert response.status_code == 404
    missing = post_form(client, "/contracts/999999/fund", page="/", follow_redirects=False)
    assert missing.status_code == 404
    assert funding_of(contract.id) is None


def test_approval_releases_the_first_share_after_onboarding(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    fund(app, contract, brand, stripe_emulator)
    _submit_and_approve(contract, kol, brand)

    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status == PayoutStatus.WAITING_ONBOARDING  # visible, not lost
    assert payout.amount == 35_000 - 3_500  # 70 % of price minus 70 % of the 10 % KOL fee
    assert db.session.get(Contract, contract.id).status == ContractStatus.RELEASED

    account = onboard(app, kol, stripe_emulator)
    assert account.transfers_active
    drain_jobs()
    db.session.expire_all()
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.PAID and payout.transfer_id
    transfer = stripe_emulator.get(payout.transfer_id)
    assert transfer["amount"] == payout.amount
    assert transfer["source_transaction"] == funding_of(contract.id).charge_id
    assert balance(PAYABLE, "usd", user_id=kol.id) == 0
    assert balance(HELD, "usd", contract_id=contract.id) == 52_500 - 35_000 - 1_750


def test_return_url_alone_does_not_enable_payouts(app, stripe_emulator):
    kol = make_kol(verified=True)
    client = app.test_client()
    sign_in(client, kol)
    post_form(client, "/settings/payouts/onboard", page="/settings/payouts")
    page = client.get("/settings/payouts?returned=1").get_data(as_text=True)
    assert "Payouts enabled" not in page
    from app.payments.models import ConnectAccount

    assert not db.session.get(ConnectAccount, kol.id).transfers_active


def test_keep_live_end_releases_the_rest_when_the_note_is_live(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    _submit_and_approve(contract, kol, brand)
    live_note(contract)
    run_ticks(utcnow() + timedelta(days=31))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.COMPLETED
    payouts = db.session.scalars(select(Payout).where(Payout.contract_id == contract.id)).all()
    assert sorted(p.stage for p in payouts) == ["approval", "keep_live"]
    assert all(p.status == PayoutStatus.PAID for p in payouts)
    assert sum(p.amount for p in payouts) == contract.kol_net
    assert balance(HELD, "usd", contract_id=contract.id) == 0
    assert balance(REVENUE, "usd") >= contract.brand_fee + contract.kol_fee


def test_early_takedown_refunds_the_held_share_instead(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    _submit_and_approve(contract, kol, brand)
    # no published note at the end of keep-live: the held share goes back to the brand
    run_ticks(utcnow() + timedelta(days=31))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    assert refund.reason_code == "takedown" and refund.status == "succeeded"
    assert refund.amount == 15_000 + 750
    assert balance(HELD, "usd", contract_id=contract.id) == 0


def test_cancellation_before_submission_refunds_in_full(app, stripe_emulator):
    deal = make_deal()
    brand, campaign, contract = deal.brand, deal.campaign, deal.contract
    fund(app, contract, brand, stripe_emulator)
    client = app.test_client()
    sign_in(client, brand)
    post_form(client, f"/contracts/{contract.id}/cancel", {"reason": "product recalled"}, page="/")
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.CANCELLED
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    assert refund.status == "succeeded" and refund.amount == 52_500
    assert stripe_emulator.get(refund.stripe_refund_id)["amount"] == 52_500
    assert db.session.get(Campaign, campaign.id).committed_amount == 0  # budget is back


def test_cancelling_an_unfunded_contract_moves_no_money(app, stripe_emulator):
    deal = make_deal()
    kol, contract = deal.kol, deal.contract
    cancel_contract(contract_id=contract.id, actor_id=kol.id, reason="can't make it")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0


def test_after_submission_cancel_is_refused_and_a_dispute_is_split(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    db.session.commit()
    from app.errors import Conflict

    with pytest.raises(Conflict):
        cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="changed mind")
    db.session.rollback()
    open_dispute(contract_id=contract.id, user_id=brand.id, reason="note off-brief")
    admin = make_user("admin")
    resolve_dispute(
        contract_id=contract.id,
        admin_id=admin.id,
        refund_amount=20_000,
        reason="Half the brief was met",
    )
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.RESOLVED
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert refund.amount == 20_000 and refund.status == "succeeded"
    assert payout.amount == 32_500 - 3_250 and payout.status == PayoutStatus.PAID
    assert balance(HELD, "usd", contract_id=contract.id) == 0


def test_dispute_split_cannot_exceed_what_is_held(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    fund(app, contract, brand, stripe_emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    open_dispute(contract_id=contract.id, user_id=kol.id, reason="brand silent")
    db.session.commit()
    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        resolve_dispute(
            contract_id=contract.id,
            admin_id=make_user("admin").id,
            refund_amount=52_501,
            reason="x",
        )
    assert "refund_amount" in error.value.fields


def test_chargeback_freezes_the_contract_and_holds_payouts(app, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    finance = make_user("finance")
    fund(app, contract, brand, stripe_emulator)
    stripe_emulator.create_dispute(funding_of(contract.id).charge_id)
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.FROZEN
    from app.notifications.models import Notification

    assert db.session.scalar(select(Notification).where(Notification.user_id == finance.id))


def test_zero_decimal_currency_deal(app, stripe_emulator):
    deal = make_deal(price=80_000, currency="jpy")
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    assert funding_of(contract.id).amount == 84_000
    _submit_and_approve(contract, kol, brand)
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.currency == "jpy" and payout.status == PayoutStatus.PAID
    assert stripe_emulator.get(payout.transfer_id)["currency"] == "jpy"


def test_money_pages_show_each_side_its_numbers(app, stripe_emulator):
    deal = make_deal()
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    fund(app, contract, brand, stripe_emulator)
    brand_client, kol_client = app.test_client(), app.test_client()
    sign_in(brand_client, brand)
    sign_in(kol_client, kol)
    brand_page = brand_client.get("/payments").get_data(as_text=True)
    assert "$525.00" in brand_page and "Receipt" in brand_page
    assert "By campaign" in brand_page and "Spring skincare launch" in brand_page
    assert "$25.00" in brand_client.get(f"/payments/receipt/{contract.id}").get_data(as_text=True)
    earnings = kol_client.get("/earnings").get_data(as_text=True)
    assert "$450.00" in earnings  # what the KOL will receive
    assert kol_client.get(f"/payments/receipt/{contract.id}").status_code == 403
    other = app.test_client()
    sign_in(other, make_user("brand"))
    assert other.get(f"/payments/receipt/{contract.id}").status_code == 404


def test_unfunded_contract_gives_its_budget_back_after_the_deadline(app):
    from app.periodic import tick_contracts

    contract = make_contract(funding_deadline=utcnow() - timedelta(minutes=1))
    campaign_id = contract.campaign_id
    assert db.session.get(Campaign, campaign_id).committed_notes == 1
    counts = tick_contracts()
    assert counts["expire_unfunded"] == 1
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.CANCELLED
    campaign = db.session.get(Campaign, campaign_id)
    assert (campaign.committed_amount, campaign.committed_notes) == (0, 0)


def test_held_for_you_is_what_the_kol_will_receive_and_stops_when_it_goes_back(
    app, stripe_emulator
):
    """Issue 20: "Held for you" showed the held balance (price + brand fee, $525.00); the KOL
    will receive the price less the KOL fee, and nothing of it once it is going back."""
    import re

    from app.notes.models import NoteStatus

    deal = make_deal()  # $500.00, brand fee $25.00, KOL fee $50.00, 70 % on approval
    brand, kol, contract = deal.brand, deal.kol, deal.contract
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    kol_client = app.test_client()
    sign_in(kol_client, kol)

    def held_and_next():
        page = kol_client.get("/earnings").get_data(as_text=True)
        total = re.search(r"<dt>Held for you</dt><dd>([^<]+)</dd>", page).group(1)
        row = re.search(r"<tbody>.*?</tbody>", page, re.S).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        return total, cells[3], cells[5].strip()

    assert held_and_next()[:2] == ("$450.00", "$450.00")
    _submit_and_approve(contract, kol, brand)
    note = live_note(contract)
    db.session.commit()
    contract = db.session.get(Contract, contract.id)
    total, cell, due = held_and_next()
    assert total == "$135.00" and cell.startswith("$135.00")  # 30 % of $450.00
    assert due == contract.keep_live_until.strftime("%Y-%m-%d")

    note.status = NoteStatus.TAKEN_DOWN  # down before keep-live ends: the rest is refunded
    contract.keep_live_breached_at = utcnow()
    db.session.commit()
    total, cell, due = held_and_next()
    assert total == "$0.00" and cell.startswith("$0.00") and due == "—"
    assert "Going back to the brand" in cell
