"""Demo outcome deal for `make run`: a flat fee + 10 % commission + a bonus at 10,000 views
(and a 90-day paid-ads licence),
capped and funded up front; its note went live eight days ago, had its views, clicks and
orders (one from a robot's click, one returned), and the first weekly settlement paid the KOL.
The brand and the KOL read the terms, the bonus progress and the statement on the contract."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.analytics import pipeline
from app.analytics.services import record_conversion
from app.campaigns import services as campaigns
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs
from app.notes import services as notes
from app.notes.models import Note
from app.outcomes.services import reverse_conversion
from app.outcomes.settlement import settle_contract

MARKER = "Glow Serum sales partnership"
TERMS = {"commission_bps": 1000, "bonus_amount": 5_000, "bonus_metric": "views",
         "bonus_threshold": 10_000, "outcome_cap": 30_000, "performance_days": 30,
         "return_days": 14}  # fmt: skip
LIVE_DAYS = 8  # a week has passed: the first weekly settlement is due


def _campaign(brand_id: int) -> Campaign:
    now = utcnow()
    values = {
        "title": MARKER, "category": "beauty", "content_format": "image", "currency": "usd",
        "brief": "## Sell with us\n\nA flat fee for the note, **10 % of every order** our "
        "tracking credits to it, and a bonus once the note reaches 10,000 views.",
        "product_name": "Glow Serum", "product_url": "https://shop.example/serum",
        "notes_wanted": 2, "budget": 200_000, "price_min": 20_000, "price_max": 60_000,
        "application_deadline": now + timedelta(days=15),
        "delivery_deadline": now + timedelta(days=40),
        "required_hashtags": "#ad #glowserum", "required_mentions": "",
        "usage_rights": "", **TERMS,
        "licence_scope": "paid", "licence_days": 90, "licence_fee": 8_000,
    }  # fmt: skip
    campaign = campaigns.create_campaign(brand_id=brand_id, values=values)
    db.session.flush()
    campaigns.publish_campaign(brand_id=brand_id, campaign_id=campaign.id)
    db.session.commit()
    return campaign


def _traffic(note: Note, start, rng: random.Random) -> list[tuple[str, object]]:
    """10,400 views and 60 clicks (5 by robots) over the week; the clicks that bought."""
    from app.seed_showcase import _event

    events, buying = [], []
    for i in range(10_400):
        at = start + timedelta(minutes=10 + i * (LIVE_DAYS - 1) * 24 * 60 // 10_400)
        events.append(_event(note, "view", at, rng))
    for i in range(60):
        at = start + timedelta(hours=2 + i * 2)
        click = _event(note, "click", at, rng, bot=i == 5 or i % 12 == 8)
        events.append(click)
        if i % 6 == 5:
            buying.append((click["id"], at + timedelta(minutes=20)))
    for first in range(0, len(events), 5_000):
        if pipeline.accept_events(events[first : first + 5_000]) == "redis":
            pipeline.drain_all(min_idle_ms=0)
    return buying


def seed_outcome_deal() -> bool:
    """Create the outcome deal once; returns False when it is there (or its people are not)."""
    from app.seed_market import _deal, _fund, _note, _user

    if db.session.scalar(select(Campaign.id).where(Campaign.title == MARKER)):
        return False
    brand, kol = _user("brand"), _user("kol")
    if brand is None or kol is None:
        return False
    campaign = _campaign(brand.id)
    contract_id = _deal(campaign, kol, 40_000)
    _fund(contract_id, brand.id)
    note_id = _note(contract_id, kol, "Glow serum: my honest month", 7, "#ad #glowserum")
    notes.submit_note(note_id=note_id, kol_id=kol.id)
    db.session.commit()
    notes.approve_note(note_id=note_id, brand_id=brand.id)
    db.session.commit()
    run_inline_jobs()
    # Live for a week already: the demo shows a settlement, not only a promise of one.
    start = utcnow() - timedelta(days=LIVE_DAYS)
    contract, note = db.session.get(Contract, contract_id), db.session.get(Note, note_id)
    contract.approved_at = note.published_at = start
    db.session.commit()
    buying = _traffic(note, start, random.Random(21))
    for i, (click_id, at) in enumerate(buying):
        record_conversion(brand_id=brand.id, order_id=f"GLOW-{contract_id}-{i}",
                          value=4_900 + 1_000 * i, currency="usd", occurred_at=at,
                          click_id=click_id)  # fmt: skip
    reverse_conversion(brand_id=brand.id, order_id=f"GLOW-{contract_id}-2")  # returned
    db.session.commit()
    settle_contract(contract_id=contract_id, now=utcnow())
    db.session.commit()
    run_inline_jobs()
    return True
