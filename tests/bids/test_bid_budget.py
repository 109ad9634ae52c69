"""Accepting never over-commits a campaign, even with two brand tabs at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.bids import services
from app.bids.models import Bid, BidStatus
from app.campaigns.models import Campaign
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict
from app.extensions import db
from app.status import history
from tests.bids.support import web_accept
from tests.conftest import signed_in
from tests.factories import make_bid, make_campaign


def test_accepting_creates_the_contract_with_the_campaign_terms(app):
    campaign = make_campaign(
        usage_rights="Paid social, 3 months",
        keep_live_days=45,
        review_window_days=4,
        revision_rounds=1,
    )
    bid = make_bid(campaign, price=80_000)
    before = utcnow()
    contract = services.accept_bid(bid_id=bid.id, user_id=campaign.brand_id)
    db.session.commit()
    assert (contract.price, contract.currency, contract.brand_fee, contract.kol_fee) == (
        80_000,
        "usd",
        4_000,
        8_000,
    )
    assert (contract.brand_total, contract.kol_net) == (84_000, 72_000)
    assert contract.deliverables == "1 image note"
    assert contract.due_date == bid.proposed_delivery
    assert (contract.revision_rounds, contract.review_window_days, contract.keep_live_days) == (
        1,
        4,
        45,
    )
    assert contract.usage_rights == "Paid social, 3 months"
    assert contract.status == ContractStatus.AWAITING_FUNDING
    hours = (contract.funding_deadline - before).total_seconds() / 3600
    assert 71.9 < hours < 72.1
    assert [c.to_status for c in history("contract", contract.id)] == ["awaiting_funding"]
    assert (campaign.committed_amount, campaign.committed_notes) == (80_000, 1)


def test_accepting_twice_is_a_conflict_and_one_contract(app):
    bid = make_bid()
    brand = signed_in(app, _brand(bid))
    assert web_accept(brand, bid).status_code == 302
    second = web_accept(brand, bid)
    assert second.status_code == 409
    assert "accepted" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contract.id))) == 1
    db.session.expire_all()
    assert db.session.get(Campaign, bid.campaign_id).committed_notes == 1


def test_budget_and_notes_wanted_are_never_exceeded(app):
    campaign = make_campaign(budget=100_000, price_max=60_000, notes_wanted=3)
    first, second = make_bid(campaign, price=60_000), make_bid(campaign, price=50_000)
    services.accept_bid(bid_id=first.id, user_id=campaign.brand_id)
    with pytest.raises(Conflict, match="exceed the campaign budget"):
        services.accept_bid(bid_id=second.id, user_id=campaign.brand_id)
    assert second.status == BidStatus.PENDING  # still open: the brand may counter lower

    few = make_campaign(notes_wanted=1)
    a, b = make_bid(few, price=20_000), make_bid(few, price=20_000)
    services.accept_bid(bid_id=a.id, user_id=few.brand_id)
    with pytest.raises(Conflict, match="all the notes it wants"):
        services.accept_bid(bid_id=b.id, user_id=few.brand_id)


def _brand(bid):
    from app.auth.models import User

    return db.session.get(User, db.session.get(Campaign, bid.campaign_id).brand_id)


@pytest.mark.postgres
def test_concurrent_accepts_respect_the_budget(committing_app):
    app = committing_app
    with app.app_context():
        campaign = make_campaign(budget=150_000, price_max=50_000, notes_wanted=8)
        bid_ids = [make_bid(campaign, price=50_000).id for _ in range(8)]
        campaign_id, brand_id = campaign.id, campaign.brand_id
        db.session.remove()

    barrier = threading.Barrier(len(bid_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(bid_id: int) -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                services.accept_bid(bid_id=bid_id, user_id=brand_id)
                db.session.commit()
                result = "ok"
            except Conflict as error:
                db.session.rollback()
                result = "conflict: " + error.message
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(i,)) for i in bid_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes.count("ok") == 3
    assert all("exceed the campaign budget" in o for o in outcomes if o != "ok")
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.committed_amount == 150_000 <= campaign.budget
        assert campaign.committed_notes == 3
        assert db.session.scalar(select(func.count(Contract.id))) == 3
        accepted = db.session.scalar(
            select(func.count(Bid.id)).where(Bid.status == BidStatus.ACCEPTED)
        )
        assert accepted == 3
        db.session.remove()


@pytest.mark.postgres
def test_concurrent_accepts_of_the_same_bid_make_one_contract(committing_app):
    app = committing_app
    with app.app_context():
        bid = make_bid()
        bid_id, brand_id = bid.id, db.session.get(Campaign, bid.campaign_id).brand_id
        db.session.remove()
    barrier = threading.Barrier(4)
    results: list[str] = []

    def accept() -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                services.accept_bid(bid_id=bid_id, user_id=brand_id)
                db.session.commit()
                results.append("ok")
            except Conflict:
                db.session.rollback()
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["conflict", "conflict", "conflict", "ok"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Contract.id))) == 1
        assert (
            db.session.get(Campaign, db.session.get(Bid, bid_id).campaign_id).committed_notes == 1
        )
        db.session.remove()
