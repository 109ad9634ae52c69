"""Demo marketplace for `make run`: campaigns in every state, bids and counters, contracts at
each step of the deal (paid on the built-in Stripe emulator), notes, messages."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.bids import services as bids
from app.campaigns import services as campaigns
from app.campaigns.models import Campaign, CampaignStatus
from app.catalog import COUNTRIES
from app.contracts import services as contracts
from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs
from app.notes import services as notes
from app.payments import connect, gateway
from app.payments.funding import start_funding
from app.status import move

MARKER = "Spring Glow Serum launch"
PALETTE = [(255, 214, 222), (255, 236, 200), (214, 240, 229), (221, 229, 255), (245, 221, 255)]


def _user(local: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{local}@demo.kol.test"))


def _image(n: int, label: str) -> FileStorage:
    from app.seed_showcase import BRAND_COLOURS, cover

    top, bottom = BRAND_COLOURS["brand"]
    return cover(label, "", (top, bottom) if n % 2 else (bottom, top), (600, 800))


def _campaign(
    brand: User,
    title: str,
    *,
    category: str,
    price: tuple[int, int],
    notes_wanted=3,
    currency="usd",
    hashtags="#ad",
    fmt="image",
    niches=(),
    days=20,
) -> Campaign:
    now = utcnow()
    values = {
        "title": title,
        "category": category,
        "content_format": fmt,
        "currency": currency,
        "brief": f"## What we want\n\nShow **{title.lower()}** in your daily routine.\n\n"
        "- One honest, personal note\n- Natural light photos\n- Mention what you liked",
        "product_name": title.split(" launch")[0],
        "product_url": "https://shop.example/demo",
        "notes_wanted": notes_wanted,
        "budget": price[1] * notes_wanted,
        "price_min": price[0],
        "price_max": price[1],
        "application_deadline": now + timedelta(days=days),
        "delivery_deadline": now + timedelta(days=days + 21),
        "required_hashtags": hashtags,
        "required_mentions": "",
        "usage_rights": "Organic reposts on the brand's channels, 6 months.",
        "niches": list(niches),
    }
    campaign = campaigns.create_campaign(brand_id=brand.id, values=values)
    db.session.flush()
    return campaign


def _fund(contract_id: int, brand_id: int) -> None:
    from flask import current_app

    with current_app.test_request_context():
        url = start_funding(contract_id=contract_id, brand_id=brand_id)
    db.session.commit()
    session_id = re.search(r"(cs_\w+)", url).group(1)
    gateway.emulator().pay_checkout_session(session_id)
    db.session.expire_all()
    run_inline_jobs()


def _onboard(kol: User, country: str) -> None:
    from flask import current_app

    from app.paperwork.taxinfo import save_tax_details

    us = country.upper() == "US"  # demo tax details: W-9 facts for US persons, else W-8BEN
    residence = country.upper() if country.upper() in COUNTRIES else "SG"
    facts = {"legal_name": kol.email.split("@")[0], "address": "1 Demo Street",
             "tax_residence": residence, "citizenship": residence, "certify": True,
             "tin": "123456789" if us else "DEMO1234", "tin_type": "ssn",
             "certified_name": kol.email.split("@")[0]}  # fmt: skip
    save_tax_details(kol_id=kol.id, us_person=us, facts=facts)
    with current_app.test_request_context():
        connect.onboarding_link(user_id=kol.id, country=country)
    db.session.commit()
    account_id = connect.account_status(kol.id).stripe_account_id
    db.session.commit()  # end the read: the webhook writes from another connection meanwhile
    gateway.emulator().complete_onboarding(account_id)
    db.session.expire_all()


def _deal(campaign: Campaign, kol: User, price: int) -> int:
    bid = bids.create_bid(
        campaign_id=campaign.id,
        kol_id=kol.id,
        price=price,
        pitch="I'd love to feature this for my followers.",
        proposed_delivery=(campaign.delivery_deadline - timedelta(days=3)).date(),
    )
    db.session.flush()
    contract = bids.accept_bid(bid_id=bid.id, user_id=campaign.brand_id)
    db.session.commit()
    return contract.id


def _note(contract_id: int, kol: User, title: str, n: int, hashtags: str) -> int:
    note = notes.save_draft(
        contract_id=contract_id,
        kol_id=kol.id,
        title=title,
        body="Two weeks in, my skin feels calmer and it layers well under sunscreen. "
        "Texture is light, no stickiness. Would repurchase! #ad",
        hashtags=hashtags,
        new_images=[_image(n, title), _image(n + 1, "detail")],
    )
    db.session.commit()
    return note.id


def seed_marketplace() -> bool:
    """Create the demo marketplace once; returns False when it is already there."""
    if db.session.scalar(select(Campaign.id).where(Campaign.title == MARKER)):
        return False
    brand, lily, mia = _user("brand"), _user("kol"), _user("mia")

    glow = _campaign(
        brand,
        MARKER,
        category="beauty",
        price=(20_000, 80_000),
        hashtags="#ad #glowserum",
        niches=["beauty", "fashion"],
    )
    sunscreen = _campaign(
        brand,
        "Summer sunscreen diaries",
        category="beauty",
        price=(15_000, 60_000),
        hashtags="#ad #sunscreen",
    )
    cafes = _campaign(  # a skincare brand's travel campaign: its travel-size kit
        brand,
        "Hangzhou weekend with the travel kit",
        category="travel",
        price=(30_000, 90_000),
        hashtags="#ad #travelkit",
        niches=["food", "travel"],
    )
    winter = _campaign(
        brand,
        "Winter hydration routine",
        category="beauty",
        price=(20_000, 70_000),
        hashtags="#ad #hydration #skincare",
    )
    _campaign(brand, "Autumn lipstick shades (draft)", category="beauty", price=(10_000, 40_000))
    gone = _campaign(brand, "Flash sale teaser", category="fashion", price=(5_000, 20_000))
    for campaign in (glow, sunscreen, cafes, winter, gone):
        campaigns.publish_campaign(brand_id=brand.id, campaign_id=campaign.id)
    campaigns.cancel_campaign(brand_id=brand.id, campaign_id=gone.id, reason="Sale postponed")
    db.session.commit()

    # Bids still being negotiated on the open campaign.
    bids.create_bid(
        campaign_id=glow.id,
        kol_id=lily.id,
        price=65_000,
        pitch="Serum fan here!",
        proposed_delivery=(glow.delivery_deadline - timedelta(days=5)).date(),
    )
    mia_bid = bids.create_bid(
        campaign_id=glow.id,
        kol_id=mia.id,
        price=70_000,
        pitch="My audience loves glow routines.",
        proposed_delivery=(glow.delivery_deadline - timedelta(days=5)).date(),
    )
    db.session.flush()
    bids.counter_bid(
        bid_id=mia_bid.id,
        user_id=brand.id,
        price=55_000,
        message="We can do 550 with a second story repost.",
    )
    db.session.commit()

    # A US platform's Express accounts open in the US, the UK, the EEA, Canada and Switzerland
    # only (docs/payments.md): Lily, in Shanghai, is paid to an account she holds in the US.
    _onboard(lily, country="US")
    awaiting = _deal(cafes, lily, 80_000)  # accepted, waiting for the brand to fund
    contracts.post_message(
        contract_id=awaiting, sender_id=lily.id, body="Thanks! I can shoot on Saturday morning."
    )
    in_review = _deal(sunscreen, mia, 50_000)
    _fund(in_review, brand.id)
    note_id = _note(in_review, mia, "My summer sunscreen layering", 1, "#ad #sunscreen #spf50")
    notes.submit_note(note_id=note_id, kol_id=mia.id)
    contracts.post_message(
        contract_id=in_review, sender_id=brand.id, body="Looks great so far — reviewing today."
    )
    db.session.commit()

    released = _deal(winter, lily, 60_000)
    _fund(released, brand.id)
    note_id = _note(released, lily, "Winter skin rescue: 3 steps", 3, "#ad #hydration #skincare")
    notes.submit_note(note_id=note_id, kol_id=lily.id)
    db.session.commit()
    notes.approve_note(note_id=note_id, brand_id=brand.id)  # published; 70 % released
    db.session.commit()
    run_inline_jobs()
    campaigns.close_campaign(brand_id=brand.id, campaign_id=winter.id)
    db.session.commit()

    # Answers that ended a negotiation: a rejected bid and a withdrawn one.
    aki = _user("aki")
    if aki is not None:
        rejected = bids.create_bid(
            campaign_id=cafes.id,
            kol_id=aki.id,
            price=88_000,
            pitch="Foodie with a Hangzhou audience.",
            proposed_delivery=(cafes.delivery_deadline - timedelta(days=4)).date(),
        )
        db.session.flush()
        bids.reject_bid(bid_id=rejected.id, user_id=brand.id, reason="Budget went to another KOL")
        withdrawn = bids.create_bid(
            campaign_id=sunscreen.id,
            kol_id=aki.id,
            price=45_000,
            pitch="Sun care is my thing.",
            proposed_delivery=(sunscreen.delivery_deadline - timedelta(days=4)).date(),
        )
        db.session.flush()
        bids.withdraw_bid(bid_id=withdrawn.id, kol_id=aki.id)
        db.session.commit()

    # A finished campaign from last season, for the history screens.
    done = _campaign(brand, "New year gift box", category="luxury", price=(30_000, 90_000))
    campaigns.publish_campaign(brand_id=brand.id, campaign_id=done.id)
    campaigns.close_campaign(brand_id=brand.id, campaign_id=done.id)
    move(done, CampaignStatus.COMPLETED, by=brand.id, reason="season over")
    db.session.commit()
    return True
