"""Bidding and negotiating on the web: fees before commitment, turns, every transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bids import services
from app.bids.models import Bid, BidStatus, Offer
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import Conflict, IllegalTransition
from app.extensions import db
from app.notifications.models import Notification
from tests.bids.support import delivery_for, web_accept, web_bid, web_counter
from tests.conftest import post_form, signed_in
from tests.factories import make_bid, make_campaign, make_kol, make_user


def _bid_of(kol) -> Bid:
    db.session.expire_all()
    return db.session.scalar(select(Bid).where(Bid.kol_id == kol.id))


def test_verified_kol_sees_exact_fees_then_bids_and_the_brand_is_told(app):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    client = signed_in(app, kol)
    data = {"price": "500", "pitch": "Hi", "proposed_delivery": delivery_for(campaign)}
    preview = post_form(client, f"/campaigns/{campaign.id}/bid", data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    # 500 USD at 5 % brand fee and 10 % KOL fee.
    for amount in ("$500.00", "$25.00", "$525.00", "$50.00", "$450.00"):
        assert amount in page
    assert db.session.scalar(select(func.count(Bid.id))) == 0  # nothing committed yet

    response = web_bid(client, campaign)
    assert response.status_code == 302
    bid = _bid_of(kol)
    assert (bid.status, bid.turn, bid.price, bid.currency) == (
        BidStatus.PENDING,
        "brand",
        50_000,
        "usd",
    )
    assert [(o.by_role, o.price) for o in bid.offers] == [("kol", 50_000)]
    told = db.session.scalar(select(Notification).where(Notification.user_id == campaign.brand_id))
    assert told.kind == "bid.new" and told.link == f"/bids/{bid.id}"


def test_an_unverified_kol_is_refused_with_a_reason(app):
    campaign = make_campaign()
    kol = make_kol(verified=False)
    client = signed_in(app, kol)
    page = client.get(f"/campaigns/{campaign.id}/bid")
    assert page.status_code == 403
    assert "Only verified KOLs can bid" in page.get_data(as_text=True)
    response = post_form(
        client,
        f"/campaigns/{campaign.id}/bid",
        {
            "price": "500",
            "pitch": "x",
            "proposed_delivery": delivery_for(campaign),
            "confirm_price": "500",
        },
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Bid.id))) == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"price": "abc"}, "price", "Enter an amount"),
        ({"price": "0"}, "price", "more than zero"),
        ({"price": "10.001"}, "price", "Enter an amount"),
        ({"pitch": "   "}, "pitch", "This field is required"),
        ({"proposed_delivery": "2001-01-01"}, "proposed_delivery", "cannot be in the past"),
        ({"proposed_delivery": "far"}, "proposed_delivery", "This field is required"),
    ],
)
def test_bid_fields_are_validated_inline(app, data, field, message):
    campaign = make_campaign()
    client = signed_in(app, make_kol(verified=True))
    payload = {
        "price": "500",
        "pitch": "Hello",
        "proposed_delivery": delivery_for(campaign),
        **data,
    }
    response = post_form(
        client, f"/campaigns/{campaign.id}/bid", {**payload, "confirm_price": payload["price"]}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Bid.id))) == 0


def test_delivery_after_the_campaign_deadline_is_refused(app):
    campaign = make_campaign()
    client = signed_in(app, make_kol(verified=True))
    late = (campaign.delivery_deadline + timedelta(days=1)).date().isoformat()
    response = web_bid(client, campaign, date=late)
    assert response.status_code == 422
    assert "delivery deadline" in response.get_data(as_text=True)


def test_no_bids_after_the_deadline_or_on_a_closed_campaign(app):
    kol = make_kol(verified=True)
    past = make_campaign(application_deadline=utcnow() - timedelta(hours=1))
    with pytest.raises(Conflict, match="deadline"):
        services.create_bid(
            campaign_id=past.id,
            kol_id=kol.id,
            price=50_000,
            pitch="x",
            proposed_delivery=past.delivery_deadline.date(),
        )
    from app.campaigns.models import CampaignStatus

    closed = make_campaign(status=CampaignStatus.CLOSED)
    with pytest.raises(Conflict, match="not taking bids"):
        services.create_bid(
            campaign_id=closed.id,
            kol_id=kol.id,
            price=50_000,
            pitch="x",
            proposed_delivery=closed.delivery_deadline.date(),
        )


def test_one_active_bid_per_kol_per_campaign(app, monkeypatch):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    client = signed_in(app, kol)
    assert web_bid(client, campaign).status_code == 302
    # The form now leads to the existing bid; the service refuses a second one with 409.
    again = client.get(f"/campaigns/{campaign.id}/bid")
    assert again.status_code == 302 and "/edit" in again.headers["Location"]
    args = dict(
        campaign_id=campaign.id,
        kol_id=kol.id,
        price=40_000,
        pitch="again",
        proposed_delivery=campaign.delivery_deadline.date(),
    )
    with pytest.raises(Conflict, match="already have an active bid"):
        services.create_bid(**args)
    # Even if the check is raced past, the partial unique index answers with the same 409.
    monkeypatch.setattr(services, "active_bid_of", lambda **kw: None)
    with pytest.raises(Conflict, match="already have an active bid"):
        services.create_bid(**args)
    # Once withdrawn, the KOL may bid again.
    bid = _bid_of(kol)
    post_form(client, f"/bids/{bid.id}/withdraw", page=f"/bids/{bid.id}")
    assert web_bid(client, campaign, price="450").status_code == 302
    statuses = sorted(db.session.scalars(select(Bid.status).where(Bid.kol_id == kol.id)))
    assert statuses == [BidStatus.PENDING, BidStatus.WITHDRAWN]


def test_counter_counter_back_and_brand_accepts_makes_a_contract(app):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    bid = make_bid(campaign, kol, price=50_000)
    brand, kol_client = (
        signed_in(app, db.session.get(type(kol), campaign.brand_id)),
        signed_in(app, kol),
    )

    preview = post_form(brand, f"/bids/{bid.id}/counter", {"price": "400"}, page=f"/bids/{bid.id}")
    assert "$420.00" in preview.get_data(as_text=True)  # the brand sees its total before sending
    assert web_counter(brand, bid, "400", "Our budget is tighter").status_code == 302
    bid = _bid_of(kol)
    assert (bid.status, bid.turn, bid.price) == (BidStatus.COUNTERED, "kol", 40_000)
    assert (
        db.session.scalar(select(Notification.kind).where(Notification.user_id == kol.id))
        == "bid.counter"
    )

    # Not the brand's turn now: it cannot counter or accept again.
    assert web_counter(brand, bid, "350").status_code == 409
    assert web_counter(brand, bid, "lots").status_code == 409  # the turn, before the price
    assert web_accept(brand, bid).status_code == 409

    assert web_counter(kol_client, bid, "450", "Meet me halfway").status_code == 302
    bid = _bid_of(kol)
    assert (bid.turn, bid.price) == ("brand", 45_000)
    assert web_accept(kol_client, bid).status_code == 409  # the KOL cannot accept its own offer

    accept_page = brand.get(f"/bids/{bid.id}/accept").get_data(as_text=True)
    assert "$472.50" in accept_page and "$405.00" in accept_page  # brand total, KOL net
    response = web_accept(brand, bid)
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.bid_id == bid.id))
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert contract.price == 45_000
    assert [(o.by_role, o.price) for o in _bid_of(kol).offers] == [
        ("kol", 50_000),
        ("brand", 40_000),
        ("kol", 45_000),
    ]
    history = kol_client.get(f"/bids/{bid.id}").get_data(as_text=True)
    assert "Meet me halfway" in history and "Our budget is tighter" in history


def test_kol_accepts_the_brands_counter(app):
    bid = make_bid(price=60_000)
    kol = db.session.get(type(make_user()), bid.kol_id)
    services.counter_bid(bid_id=bid.id, user_id=_brand_id(bid), price=55_000, message="")
    db.session.commit()
    contract = services.accept_bid(bid_id=bid.id, user_id=kol.id)
    assert contract.price == 55_000 and contract.kol_fee == 5_500 and contract.brand_fee == 2_750
    assert _bid_of(kol).status == BidStatus.ACCEPTED


def _brand_id(bid) -> int:
    from app.campaigns.models import Campaign

    return db.session.get(Campaign, bid.campaign_id).brand_id


def test_brand_rejects_with_a_reason_the_kol_reads(app):
    bid = make_bid()
    brand = signed_in(app, db.session.get(type(make_user()), _brand_id(bid)))
    response = post_form(
        brand, f"/bids/{bid.id}/reject", {"reason": "Not our audience"}, page=f"/bids/{bid.id}"
    )
    assert response.status_code == 302
    kol_page = signed_in(app, db.session.get(type(make_user()), bid.kol_id)).get(f"/bids/{bid.id}")
    assert "Not our audience" in kol_page.get_data(as_text=True)
    assert (
        db.session.scalar(select(Notification.kind).where(Notification.user_id == bid.kol_id))
        == "bid.rejected"
    )
    assert web_accept(brand, bid).status_code == 409  # rejected is final


def test_kol_declines_a_counter_and_only_on_its_turn(app):
    bid = make_bid()
    with pytest.raises(Conflict, match="turn"):
        services.reject_bid(bid_id=bid.id, user_id=bid.kol_id)  # pending: the brand's turn
    services.counter_bid(bid_id=bid.id, user_id=_brand_id(bid), price=30_000, message="")
    services.reject_bid(bid_id=bid.id, user_id=bid.kol_id, reason="Too low")
    assert bid.status == BidStatus.REJECTED and bid.reject_reason is None
    assert (
        db.session.scalar(
            select(Notification.kind)
            .where(Notification.user_id == _brand_id(bid))
            .order_by(Notification.id.desc())
        )
        == "bid.declined"
    )


def test_kol_edits_or_withdraws_only_while_pending_or_its_turn(app):
    bid = make_bid(price=50_000)
    campaign_deadline = bid.proposed_delivery
    services.update_bid(
        bid_id=bid.id,
        kol_id=bid.kol_id,
        price=48_000,
        pitch="Better pitch",
        proposed_delivery=campaign_deadline,
    )
    assert bid.price == 48_000 and bid.pitch == "Better pitch" and len(bid.offers) == 2
    # The KOL counters a brand counter: now it waits for the brand and cannot change or withdraw.
    services.counter_bid(bid_id=bid.id, user_id=_brand_id(bid), price=40_000, message="")
    services.counter_bid(bid_id=bid.id, user_id=bid.kol_id, price=45_000, message="")
    with pytest.raises(Conflict, match="Wait for the brand"):
        services.update_bid(
            bid_id=bid.id,
            kol_id=bid.kol_id,
            price=44_000,
            pitch="x",
            proposed_delivery=campaign_deadline,
        )
    with pytest.raises(Conflict, match="Wait for the brand"):
        services.withdraw_bid(bid_id=bid.id, kol_id=bid.kol_id)
    services.counter_bid(bid_id=bid.id, user_id=_brand_id(bid), price=42_000, message="")
    services.withdraw_bid(bid_id=bid.id, kol_id=bid.kol_id)
    assert bid.status == BidStatus.WITHDRAWN
    with pytest.raises(IllegalTransition):
        services.withdraw_bid(bid_id=bid.id, kol_id=bid.kol_id)


@pytest.mark.parametrize(
    "final", [BidStatus.ACCEPTED, BidStatus.REJECTED, BidStatus.WITHDRAWN, BidStatus.EXPIRED]
)
def test_closed_bids_cannot_move_any_more(app, final):
    bid = make_bid(status=final)
    brand_id = _brand_id(bid)
    for call in (
        lambda: services.accept_bid(bid_id=bid.id, user_id=brand_id),
        lambda: services.counter_bid(bid_id=bid.id, user_id=brand_id, price=100, message=""),
        lambda: services.reject_bid(bid_id=bid.id, user_id=brand_id),
        lambda: services.withdraw_bid(bid_id=bid.id, kol_id=bid.kol_id),
    ):
        with pytest.raises(Conflict):
            call()
    assert db.session.scalar(select(func.count(Contract.id))) == 0


def test_a_counter_needs_a_new_valid_price(app):
    bid = make_bid(price=50_000)
    from app.errors import ValidationFailed

    for price in (50_000, -300, 0, None):
        with pytest.raises(ValidationFailed) as error:
            services.counter_bid(bid_id=bid.id, user_id=_brand_id(bid), price=price, message="")
        assert "price" in error.value.errors
    # What is not an amount at all is refused by the form, next to the price.
    response = web_counter(signed_in(app, _brand_id(bid)), bid, "lots")
    assert response.status_code == 422
    assert "Enter an amount such as 500 or 499.90 in USD." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Offer.id)).where(Offer.bid_id == bid.id)) == 1


def test_bids_expire_at_the_application_deadline(app):
    from app.periodic import run_ticks

    campaign = make_campaign()
    pending = make_bid(campaign)
    countered = make_bid(campaign)
    services.counter_bid(bid_id=countered.id, user_id=campaign.brand_id, price=30_000, message="")
    other = make_bid(make_campaign())
    campaign.application_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    # Before the tick runs, the deadline alone stops answers.
    with pytest.raises(Conflict, match="expired"):
        services.accept_bid(bid_id=pending.id, user_id=campaign.brand_id)
    counts = run_ticks()
    assert counts["expire_bids"] == 2
    assert (pending.status, countered.status, other.status) == (
        BidStatus.EXPIRED,
        BidStatus.EXPIRED,
        BidStatus.PENDING,
    )
    assert run_ticks()["expire_bids"] == 0


def test_the_tick_command_expires_and_prints_counts(app):
    campaign = make_campaign()
    bid = make_bid(campaign)
    campaign.application_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["contracts", "tick"])
    assert result.exit_code == 0, result.output
    assert "expire_bids: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).status == BidStatus.EXPIRED


def test_kol_changes_the_bid_on_the_edit_page_after_seeing_the_fees(app):
    bid = make_bid(price=50_000)
    client = signed_in(app, db.session.get(type(make_user()), bid.kol_id))
    form = client.get(f"/bids/{bid.id}/edit").get_data(as_text=True)
    assert 'value="500.00"' in form and "I love this serum" in form
    data = {
        "price": "480",
        "pitch": "Updated pitch",
        "proposed_delivery": bid.proposed_delivery.isoformat(),
    }
    preview = post_form(client, f"/bids/{bid.id}/edit", data)
    assert preview.status_code == 200 and "$432.00" in preview.get_data(as_text=True)  # KOL net
    assert (
        post_form(client, f"/bids/{bid.id}/edit", {**data, "confirm_price": "480"}).status_code
        == 302
    )
    bid = db.session.get(Bid, bid.id)
    db.session.refresh(bid)
    assert (bid.price, bid.pitch) == (48_000, "Updated pitch")
    assert [o.price for o in bid.offers] == [50_000, 48_000]


# --- issue 20: warnings and every error before the bid is sent -------------------------------


def test_a_past_delivery_date_is_refused_on_the_first_step(app):
    campaign = make_campaign()
    client = signed_in(app, make_kol(verified=True))
    data = {"price": "500", "pitch": "Hello", "proposed_delivery": "2001-01-01"}
    response = post_form(client, f"/campaigns/{campaign.id}/bid", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be in the past" in page
    assert "confirm_price" not in page  # no fee confirmation for a bid that would be refused


def test_all_of_the_bid_forms_errors_show_at_once(app):
    campaign = make_campaign()
    client = signed_in(app, make_kol(verified=True))
    data = {"price": "", "pitch": "Hello", "proposed_delivery": "2001-01-01"}
    response = post_form(client, f"/campaigns/{campaign.id}/bid", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in page and "cannot be in the past" in page


@pytest.mark.parametrize(
    ("price", "warning"),
    [("1500", "$1,500.00 is above this campaign"), ("50", "$50.00 is below this campaign")],
)
def test_a_price_outside_the_campaigns_range_is_warned_about_before_sending(app, price, warning):
    campaign = make_campaign()  # $200.00 – $1,000.00 per note
    client = signed_in(app, make_kol(verified=True))
    data = {"price": price, "pitch": "Hello", "proposed_delivery": delivery_for(campaign)}
    preview = post_form(client, f"/campaigns/{campaign.id}/bid", data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and warning in page and "confirm_price" in page
    inside = post_form(client, f"/campaigns/{campaign.id}/bid", {**data, "price": "500"})
    assert "price-warning" not in inside.get_data(as_text=True)


def test_a_bid_over_the_remaining_budget_is_refused_on_the_first_step(app):
    campaign = make_campaign()  # budget $3,000.00
    campaign.committed_amount = 250_000
    db.session.commit()
    client = signed_in(app, make_kol(verified=True))
    data = {"price": "600", "pitch": "Hello", "proposed_delivery": delivery_for(campaign)}
    response = post_form(client, f"/campaigns/{campaign.id}/bid", data)
    assert response.status_code == 422
    assert "remaining budget ($500.00)" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Bid.id))) == 0
