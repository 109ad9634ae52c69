"""The orders behind the dashboards that are not in the rollups: those the brand reported that
matched no click or code (unattributed), those only the public snippet reported
(unconfirmed), and the distinct clicks that led to an order (the conversion rate's
numerator: the rollups count orders, and one click can bring several)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlalchemy import and_, case, func, or_, select

from app.analytics.click_ids import click_time
from app.analytics.models import Conversion
from app.campaigns.models import Campaign
from app.replica import read


@dataclass
class NoteOrders:
    """What the orders of a set of notes add to the rollups over a range.

    ``unconfirmed``: per note, the count and revenue (in the campaign's currency) of the
    orders only the public snippet reported (the brand's server has not confirmed them): not
    in the rollups, so not in conversions, revenue or ROAS.
    ``converted_clicks``: per note, the distinct clicks behind its confirmed, attributed,
    unreversed orders (the numerator of the conversion rate: a click with three orders is one
    converted click, an order through a promo code is none), counting only clicks made in the
    range, as the clicks it is divided by are; ``converted_at`` the same per bucket of the
    range, each click in the bucket it was made in."""

    unconfirmed: dict[int, tuple[int, int]] = field(default_factory=dict)
    converted_clicks: dict[int, int] = field(default_factory=dict)
    converted_at: dict[datetime, int] = field(default_factory=dict)


def _converted():
    """An order that converted its click: confirmed by the brand's server, attributed through
    a click, not reversed."""
    return and_(
        Conversion.confirmed.is_(True),
        Conversion.attributed.is_(True),
        Conversion.reversed_at.is_(None),
        Conversion.click_id.is_not(None),
    )


def _bucket(at: datetime, granularity: str) -> datetime:
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    if granularity == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return datetime.combine(at.date(), time(), UTC)


def orders_by_note(
    note_ids: list[int], since: datetime, until: datetime, granularity: str = "day"
) -> NoteOrders:
    """The unconfirmed orders and the converted clicks of these notes (see NoteOrders), in
    one statement: one row per note for its unconfirmed orders and one per converted click."""
    out = NoteOrders()
    if not note_ids:
        return out
    unconfirmed = Conversion.confirmed.is_(False)
    converted = _converted()
    click = case((converted, Conversion.click_id), else_=None).label("converted_click")
    rows = read(
        select(
            Conversion.note_id,
            click,
            func.sum(case((unconfirmed, 1), else_=0)),
            func.sum(
                case(
                    (and_(unconfirmed, Conversion.currency == Campaign.currency),
                     Conversion.value),
                    else_=0,
                )
            ),
        )
        .join(Campaign, Campaign.id == Conversion.campaign_id)
        .where(
            Conversion.note_id.in_(note_ids),
            or_(unconfirmed, converted),
            Conversion.occurred_at >= since,
            Conversion.occurred_at < until,
        )
        .group_by(Conversion.note_id, click)
    ).all()  # fmt: skip
    for note_id, click_id, count, value in rows:
        if count:
            before = out.unconfirmed.get(note_id, (0, 0))
            out.unconfirmed[note_id] = (before[0] + int(count), before[1] + int(value or 0))
        clicked = _clicked_within(click_id, since, until)
        if clicked is not None:
            out.converted_clicks[note_id] = out.converted_clicks.get(note_id, 0) + 1
            bucket = _bucket(clicked, granularity)
            out.converted_at[bucket] = out.converted_at.get(bucket, 0) + 1
    return out


def _clicked_within(click_id: str | None, since: datetime, until: datetime) -> datetime | None:
    """The time of a converted click when it falls in the range, else None: the numerator
    counts only clicks the denominator counts (the rate never passes 100 %), each in the bucket
    of the click itself."""
    clicked = click_time(click_id) if click_id else None
    return clicked if clicked is not None and since <= clicked < until else None


def converted_clicks_by_campaign(
    campaign_ids: list[int], since: datetime, until: datetime
) -> dict[int, int]:
    """Per campaign, the distinct clicks behind its confirmed, attributed, unreversed orders
    in the range (see NoteOrders)."""
    if not campaign_ids:
        return {}
    rows = read(
        select(Conversion.campaign_id, Conversion.click_id)
        .where(
            Conversion.campaign_id.in_(campaign_ids),
            _converted(),
            Conversion.occurred_at >= since,
            Conversion.occurred_at < until,
        )
        .group_by(Conversion.campaign_id, Conversion.click_id)
    ).all()
    out: dict[int, int] = {}
    for campaign_id, click_id in rows:
        if _clicked_within(click_id, since, until) is not None:
            out[campaign_id] = out.get(campaign_id, 0) + 1
    return out


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
