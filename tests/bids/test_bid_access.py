"""Who sees which bids: a brand only its campaigns' bids, a KOL only its own."""

from __future__ import annotations

from app.auth.models import User
from app.campaigns.models import Campaign
from app.contracts.models import ContractStatus
from app.extensions import db
from tests.conftest import signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user


def _brand_of(campaign) -> User:
    return db.session.get(User, campaign.brand_id)


def test_a_brand_never_sees_another_brands_bids(app):
    campaign = make_campaign()
    bid = make_bid(campaign)
    stranger = signed_in(app, make_user("brand"))
    assert stranger.get(f"/campaigns/{campaign.id}/bids").status_code == 404
    assert stranger.get(f"/bids/{bid.id}").status_code == 404
    assert stranger.get(f"/bids/{bid.id}/accept").status_code == 404
    assert "I love this serum" not in stranger.get("/bids").get_data(as_text=True)
    owner = signed_in(app, _brand_of(campaign))
    assert owner.get(f"/campaigns/{campaign.id}/bids").status_code == 200
    assert "I love this serum" in owner.get(f"/bids/{bid.id}").get_data(as_text=True)


def test_a_kol_never_sees_another_kols_bids(app):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    mine = make_bid(campaign, kol, price=30_000)
    theirs = make_bid(campaign, price=77_700)
    client = signed_in(app, kol)
    assert client.get(f"/bids/{theirs.id}").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/bids").status_code == 403  # brands only
    listing = client.get("/bids").get_data(as_text=True)
    assert "$300.00" in listing and "$777.00" not in listing
    assert client.get(f"/bids/{mine.id}").status_code == 200
    assert client.get(f"/bids/{theirs.id}/edit").status_code == 404


def test_comparison_page_lists_facts_and_sorts(app):
    campaign = make_campaign()
    cheap = make_bid(campaign, make_kol(verified=True, followers=90_000), price=25_000)
    dear = make_bid(campaign, make_kol(verified=True, followers=500), price=90_000)
    done = make_contract(make_bid(campaign, price=40_000), status=ContractStatus.AWAITING_FUNDING)
    owner = signed_in(app, _brand_of(campaign))
    page = owner.get(f"/campaigns/{campaign.id}/bids?sort=price").get_data(as_text=True)
    assert page.index("$250.00") < page.index("$900.00")
    assert "90,000" in page and "Micro" in page
    assert "$262.50" in page  # what the brand pays for the cheap bid, fee included
    assert "How is reliability computed?" in page
    assert "$400.00" not in page  # accepted bids leave the open list
    page = owner.get(f"/campaigns/{campaign.id}/bids?sort=-price").get_data(as_text=True)
    assert page.index("$900.00") < page.index("$250.00")
    page = owner.get(f"/campaigns/{campaign.id}/bids?sort=followers&show=all").get_data(
        as_text=True
    )
    assert page.index("$250.00") < page.index("$900.00") and "$400.00" in page
    assert cheap.id and dear.id and done.id


def test_comparison_page_query_count_does_not_grow_with_bids(app):
    from sqlalchemy import event

    def count_queries(campaign, client):
        counter = {"n": 0}

        def before(*_args):
            counter["n"] += 1

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(f"/campaigns/{campaign.id}/bids").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return counter["n"]

    small, large = make_campaign(), make_campaign()
    brand_small = signed_in(app, _brand_of(small))
    brand_large = signed_in(app, _brand_of(large))
    for _ in range(2):
        make_bid(small)
    for _ in range(8):
        make_bid(large)
    count_queries(small, brand_small)  # warm-up: each session's first request does more
    count_queries(large, brand_large)
    assert count_queries(small, brand_small) == count_queries(large, brand_large)


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    bid = make_bid()
    campaign = db.session.get(Campaign, bid.campaign_id)
    for url in (
        f"/bids/{bid.id}",
        f"/campaigns/{campaign.id}/bids",
        "/bids",
        f"/campaigns/{campaign.id}/bid",
    ):
        assert client.get(url).status_code == 302
