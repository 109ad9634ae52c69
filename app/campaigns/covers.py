"""Campaign covers stored before their pixels were recorded (migration 0033)."""

from __future__ import annotations

from sqlalchemy import select

from app import media
from app.campaigns.models import Campaign
from app.extensions import db
from app.uploads import STORED_NAME


def backfill_cover_sizes() -> tuple[int, int]:
    """Record the pixels of covers with none and make their sizes (idempotent); returns
    (measured, files missing)."""
    done = missing = 0
    rows = db.session.scalars(
        select(Campaign).where(Campaign.cover_image.is_not(None), Campaign.cover_width.is_(None))
    ).all()
    for campaign in rows:
        name = campaign.cover_image or ""
        found = media.measure_and_size(name) if STORED_NAME.fullmatch(name) else None
        if found is None:
            missing += 1
            continue
        campaign.cover_width, campaign.cover_height = found.width, found.height
        done += 1
    return done, missing
