"""An outcome deal (flat fee + 10 % commission + a bonus at 10,000 views, capped) and the
traffic and orders its note gets, as tracking and the brand's server report them."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from app.analytics.models import TrackingEvent
from app.analytics.rollups import hour_of, upsert_rollups
from app.analytics.services import record_conversion
from app.analytics.tracking import new_click_id
from app.extensions import db
from tests.factories import make_deal

TERMS = {
    "commission_bps": 1000,  # 10 %
    "bonus_amount": 5_000,
    "bonus_metric": "views",
    "bonus_threshold": 10_000,
    "outcome_cap": 20_000,
    "performance_days": 30,
    "return_days": 14,
}


def outcome_deal(app, emulator, *, price: int = 50_000, **terms):
    """A published note on a funded, approved contract with outcome terms; the KOL onboarded."""
    deal = make_deal(
        "published",
        price=price,
        app=app,
        emulator=emulator,
        onboarded=True,
        contract_fields={**TERMS, **terms},
    )
    return deal


def click(note, at: datetime, *, bot: bool = False) -> str:
    """A recorded click on the note's link (as the writer stores it); its click id."""
    click_id = new_click_id(note.id, at.timestamp())
    db.session.add(
        TrackingEvent(
            event_id=click_id,
            kind="click",
            occurred_at=at,
            note_id=note.id,
            contract_id=note.contract_id,
            campaign_id=note.campaign_id,
            visitor=f"v{time.perf_counter_ns()}",
            is_bot=bot,
        )
    )
    db.session.commit()
    return click_id


def views(note, count: int, at: datetime) -> None:
    """Genuine views of the note in the hour of ``at`` (the rollups the dashboards read)."""
    upsert_rollups(
        [
            {
                "note_id": note.id,
                "hour": hour_of(at),
                "contract_id": note.contract_id,
                "campaign_id": note.campaign_id,
                "kol_id": note.kol_id,
                "views": count,
            }
        ]
    )
    db.session.commit()


def order(brand, order_id: str, value: int, at: datetime, **kwargs):
    """An order the brand's server reports (its API key): confirmed unless said otherwise."""
    conversion, _created = record_conversion(
        brand_id=brand.id,
        order_id=order_id,
        value=value,
        currency=kwargs.pop("currency", "usd"),
        occurred_at=at,
        **kwargs,
    )
    db.session.commit()
    return conversion


def later(contract, **delta) -> datetime:
    return contract.approved_at + timedelta(**delta)
