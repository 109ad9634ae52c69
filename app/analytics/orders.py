"""The orders behind the dashboards that are not in the rollups: those the brand reported that
matched no click or code (unattributed), and those only the public snippet reported
(unconfirmed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from app.analytics.models import Conversion
from app.campaigns.models import Campaign
from app.replica import read


def unconfirmed_by_note(
    note_ids: list[int], since: datetime, until: datetime
) -> dict[int, tuple[int, int]]:
    """Orders attributed to these notes that only the public snippet reported (the brand's
    server has not confirmed them): count and revenue (in the campaign's currency) per note.
    Not in the rollups, so not in conversions, revenue or ROAS."""
    if not note_ids:
        return {}
    rows = read(
        select(
            Conversion.note_id,
            func.count(),
            func.sum(case((Conversion.currency == Campaign.currency, Conversion.value), else_=0)),
        )
        .join(Campaign, Campaign.id == Conversion.campaign_id)
        .where(
            Conversion.note_id.in_(note_ids),
            Conversion.confirmed.is_(False),
            Conversion.occurred_at >= since,
            Conversion.occurred_at < until,
        )
        .group_by(Conversion.note_id)
    ).all()
    return {note_id: (count, int(value or 0)) for note_id, count, value in rows}


def unattributed(brand_id: int, since: datetime, until: datetime) -> dict:
    """Conversions the brand reported that matched no click or code, by reason."""
    rows = read(
        select(Conversion.reason, Conversion.currency, func.count(), func.sum(Conversion.value))
        .where(
            Conversion.brand_id == brand_id,
            Conversion.attributed.is_(False),
            Conversion.occurred_at >= since,
            Conversion.occurred_at < until,
        )
        .group_by(Conversion.reason, Conversion.currency)
    ).all()
    return {
        "count": sum(r[2] for r in rows),
        "by_reason": [
            {"reason": r[0], "currency": r[1], "count": r[2], "value": int(r[3] or 0)} for r in rows
        ],
    }
