"""A flat fee + 10 % commission + a bonus at 10,000 views, capped: orders (one from a robot's
click, one only the snippet reported, one reversed, one by promo code) → weekly settlements →
the final one refunds the cap's rest; statements, ledger check and reconciliation agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.finance import reconcile
from app.finance.models import ReconciliationRun
from app.ledger.checks import ledger_problems
from app.ledger.services import HELD, balance
from app.outcomes.models import Settlement
from app.outcomes.services import reverse_conversion, set_promo_code
from app.outcomes.settlement import settle_contract
from app.payments.models import Payout, Refund
from tests.conftest import signed_in
from tests.factories import make_api_key
from tests.outcomes.support import click, later, order, outcome_deal, views
from tests.payments.conftest import drain_jobs

pytestmark = pytest.mark.usefixtures("books_balance")


def _settle(contract_id: int, at):
    settlement = settle_contract(contract_id=contract_id, now=at)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return settlement and db.session.get(Settlement, settlement.id)


def _outcome_payouts(contract_id: int) -> list[Payout]:
    return list(
        db.session.scalars(
            select(Payout)
            .where(Payout.contract_id == contract_id, Payout.stage.like("outcome%"))
            .order_by(Payout.id)
        )
    )


def test_weekly_and_final_settlements_pay_what_was_earned_and_refund_the_rest(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator, outcome_cap=30_000)
    contract, note, brand = deal.contract, deal.note, deal.brand
    assert contract.brand_total == 50_000 + 2_500 + 30_000 + 1_500  # price, cap, fees on both
    set_promo_code(contract_id=contract.id, kol_id=deal.kol.id, code="glow10")
    db.session.commit()
    human = click(note, later(contract, hours=1))
    robot = click(note, later(contract, hours=1), bot=True)
    order(brand, "A-1", 10_000, later(contract, hours=2), click_id=human)  # 1,000
    order(brand, "A-2", 50_000, later(contract, hours=2), click_id=robot)  # a robot's click
    order(brand, "A-3", 30_000, later(contract, hours=3), promo_code="GLOW10")  # 3,000
    order(brand, "A-4", 90_000, later(contract, hours=3), click_id=human, confirmed=False)
    order(brand, "A-5", 60_000, later(contract, hours=4), click_id=human)
    reverse_conversion(brand_id=brand.id, order_id="A-5")  # returned before any settlement
    db.session.commit()

    assert _settle(contract.id, later(contract, days=6)) is None  # not a week yet
    first = _settle(contract.id, later(contract, days=7))
    assert (first.orders_counted, first.commission, first.bonus) == (2, 4_000, 0)
    assert (first.earned, first.released, first.final) == (4_000, 4_000, False)
    reasons = {line.order_id: line.reason for line in first.lines}
    assert reasons == {"A-1": "", "A-2": "bot_click", "A-3": "", "A-4": "unconfirmed",
                       "A-5": "reversed"}  # fmt: skip
    assert first.kol_fee_part == 400 and first.brand_fee_part == 4_000 * 1_500 // 30_000
    [payout] = _outcome_payouts(contract.id)
    assert payout.status == "paid" and payout.amount == 3_600
    assert _settle(contract.id, later(contract, days=8)) is None  # the week starts again

    # Week two: the promo-code order is returned, a big order and 10,000 views arrive.
    reverse_conversion(brand_id=brand.id, order_id="A-3")
    again = click(note, later(contract, days=9))
    order(brand, "A-6", 200_000, later(contract, days=9, hours=1), click_id=again)  # 20,000
    views(note, 10_000, later(contract, days=9))
    second = _settle(contract.id, later(contract, days=14))
    assert (second.commission, second.bonus) == (21_000, 5_000)
    assert (second.earned, second.released_before, second.released) == (26_000, 4_000, 22_000)
    assert {line.order_id: line.reason for line in second.lines}["A-3"] == "reversed"

    # The window ends: nothing more earned, the cap's rest (with its brand fee) goes back.
    final = _settle(contract.id, later(contract, days=30))
    assert final.final and final.released == 0
    assert final.refunded == 31_500 - (26_000 + 26_000 * 1_500 // 30_000)
    refund = db.session.get(Refund, final.refund_id)
    assert refund.reason_code == "outcome_remainder" and refund.status == "succeeded"
    assert _settle(contract.id, later(contract, days=40)) is None  # once final, never again
    assert [p.amount for p in _outcome_payouts(contract.id)] == [3_600, 22_000 - 2_200]
    # Each payout paid by one Stripe transfer of its amount.
    transfers = {
        e["data"]["object"]["id"]: e["data"]["object"]["amount"]
        for e in stripe_emulator.events("transfer.created")
    }
    assert [transfers[p.transfer_id] for p in _outcome_payouts(contract.id)] == [3_600, 19_800]
    # What stays held is the flat price's keep-live share only.
    assert balance(HELD, "usd", contract_id=contract.id) == 52_500 - 35_000 - 1_750
    assert ledger_problems() == []


def test_statements_are_read_by_both_sides_in_their_language(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator)
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    robot = click(deal.note, later(contract, hours=1), bot=True)
    order(deal.brand, "B-1", 10_000, later(contract, hours=2), click_id=human)
    order(deal.brand, "B-2", 10_000, later(contract, hours=2), click_id=robot)
    _settle(contract.id, later(contract, days=7))

    kol_page = signed_in(app, deal.kol).get(f"/contracts/{contract.id}/settlements")
    assert kol_page.status_code == 200
    text = kol_page.get_data(as_text=True)
    assert "The click came from a robot" in text and "B-2" in text
    deal.brand.locale = "zh_Hans"
    db.session.commit()
    brand = signed_in(app, deal.brand)
    assert "机器人" in brand.get(f"/contracts/{contract.id}/settlements").get_data(as_text=True)
    api = app.test_client()
    key = make_api_key(deal.kol)
    body = api.get(
        f"/api/v1/contracts/{contract.id}/settlements", headers={"Authorization": f"Bearer {key}"}
    ).get_json()
    [statement] = body["items"]
    assert (statement["earned"], statement["released"], statement["kol_net"]) == (1_000, 1_000, 900)
    assert {line["order_id"]: line["reason"] for line in statement["lines"]} == {
        "B-1": "",
        "B-2": "bot_click",
    }
    stranger = make_api_key(deal.campaign and _another_brand())
    assert (
        api.get(
            f"/api/v1/contracts/{contract.id}/settlements",
            headers={"Authorization": f"Bearer {stranger}"},
        ).status_code
        == 404
    )


def _another_brand():
    from tests.factories import make_user

    return make_user("brand")


def test_a_reversal_after_release_is_deducted_later_never_below_zero(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator, bonus_amount=0, bonus_metric=None,
                        bonus_threshold=0)  # fmt: skip
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    order(deal.brand, "C-1", 50_000, later(contract, hours=2), click_id=human)  # 5,000
    first = _settle(contract.id, later(contract, days=7))
    assert first.released == 5_000
    reverse_conversion(brand_id=deal.brand.id, order_id="C-1")
    db.session.commit()
    human = click(deal.note, later(contract, days=8))
    order(deal.brand, "C-2", 20_000, later(contract, days=8, hours=1), click_id=human)
    second = _settle(contract.id, later(contract, days=14))
    assert (second.earned, second.released, second.carried) == (2_000, 0, 3_000)
    human = click(deal.note, later(contract, days=15))
    order(deal.brand, "C-3", 40_000, later(contract, days=15, hours=1), click_id=human)
    third = _settle(contract.id, later(contract, days=21))
    assert (third.earned, third.released, third.carried) == (6_000, 1_000, 0)
    final = _settle(contract.id, later(contract, days=30))
    # The brand gets back the reserve the cap did not pay: 6,000 of 20,000 was released.
    assert final.refunded == 21_000 - (6_000 + 6_000 * 1_000 // 20_000)
    assert ledger_problems() == []


def test_reconciliation_matches_settlement_transfers_and_refunds(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator)
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    order(deal.brand, "D-1", 30_000, later(contract, hours=2), click_id=human)
    _settle(contract.id, later(contract, days=7))
    _settle(contract.id, later(contract, days=30))
    today = utcnow().date()
    run = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=None)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    run = db.session.get(ReconciliationRun, run.id)
    assert run.status == "done" and run.difference_count == 0
    assert run.processed >= 4  # the charge, the approval transfer, commission, the refund
    assert db.session.get(Contract, contract.id).promo_code is None


def test_the_scheduler_settles_what_is_due(app, stripe_emulator, monkeypatch):
    from app.outcomes import services
    from app.scheduler import SCHEDULE

    assert "outcomes-settle" in {step.name for step in SCHEDULE}
    deal = outcome_deal(app, stripe_emulator)
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    order(deal.brand, "S-1", 10_000, later(contract, hours=2), click_id=human)
    assert services.settle_outcomes() == 0  # a week has not passed
    monkeypatch.setattr(services, "utcnow", lambda: later(contract, days=7, minutes=1))
    assert services.settle_outcomes() == 1
    drain_jobs()
    assert services.settle_outcomes() == 0
    [payout] = _outcome_payouts(contract.id)
    assert payout.status == "paid" and payout.amount == 900


def test_dashboards_count_settled_commission_in_spend(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator)
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    order(deal.brand, "E-1", 30_000, later(contract, hours=2), click_id=human)  # 3,000
    _settle(contract.id, later(contract, days=7))
    cost = 3_000 + 3_000 * 1_000 // 20_000  # with its brand fee
    key = make_api_key(deal.brand)
    stats = app.test_client().get(
        f"/api/v1/campaigns/{deal.campaign.id}/stats",
        headers={"Authorization": f"Bearer {key}"},
    )
    totals = stats.get_json()["totals"]
    assert totals["commission"] == cost
    assert totals["spend"] == 52_500 + cost  # the cap's unearned reserve is not spend
    brand = signed_in(app, deal.brand)
    page = brand.get(f"/analytics/campaigns/{deal.campaign.id}?refresh=1")
    assert "Pay for results" in page.get_data(as_text=True)
    csv = brand.get(f"/analytics/campaigns/{deal.campaign.id}/export.csv").get_data(as_text=True)
    header, row = csv.splitlines()[:2]
    assert row.split(",")[header.split(",").index("commission")] == str(cost)


def test_a_refunded_remainder_is_no_longer_held_for_the_cap(app, stripe_emulator):
    """After the final settlement refunded the cap's rest, nothing is still held for it: the
    statement says so, and a note taken down before keep-live ends gets the brand back the
    whole flat share still held (the refunded rest was once subtracted again, so that refund
    came out short, or not at all, and the money stayed held)."""
    from app.notes.models import Note, NoteStatus
    from app.outcomes.settlement import reserve_left
    from app.payments.approvals import release_after_keep_live

    deal = outcome_deal(app, stripe_emulator, performance_days=14)
    contract = deal.contract
    human = click(deal.note, later(contract, hours=1))
    order(deal.brand, "F-1", 10_000, later(contract, hours=2), click_id=human)  # 1,000
    final = _settle(contract.id, later(contract, days=14))
    assert final.final and final.refunded == 21_000 - (1_000 + 50)
    contract = db.session.get(Contract, contract.id)
    assert reserve_left(contract) == 0
    page = signed_in(app, deal.brand).get(f"/contracts/{contract.id}/settlements")
    text = page.get_data(as_text=True)
    assert "Still held for commission and bonus</dt><dd>$0.00" in text
    held = balance(HELD, "usd", contract_id=contract.id)
    assert held == 52_500 - 35_000 - 1_750  # the flat price's keep-live share

    db.session.get(Note, deal.note.id).status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    release_after_keep_live(contract.keep_live_until + timedelta(minutes=1))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    takedown = db.session.scalar(
        select(Refund).where(Refund.contract_id == contract.id, Refund.reason_code == "takedown")
    )
    assert takedown is not None and takedown.amount == held
    assert takedown.status == "succeeded"
    assert balance(HELD, "usd", contract_id=contract.id) == 0
    assert ledger_problems() == []
