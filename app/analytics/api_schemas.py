"""The declared shapes of the analytics API's answers (the stats behind the dashboards); the
OpenAPI document is generated from them and the answers are serialised by them."""

from __future__ import annotations

from marshmallow import Schema, fields

_MONEY = {"description": "The campaign's currency, minor units"}


def _rate(description: str = "") -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata={"description": description})


def _cost(description: str) -> fields.Integer:
    return fields.Integer(
        allow_none=True, metadata={"description": f"{description}, minor units; brand only"}
    )


class Metrics(Schema):
    """The counters of a scope and what is derived from them (app/analytics/metrics.py)."""

    views = fields.Integer(required=True, metadata={"description": "Views by people"})
    clicks = fields.Integer(required=True)
    bot_views = fields.Integer(required=True)
    bot_clicks = fields.Integer(required=True)
    conversions = fields.Integer(
        required=True, metadata={"description": "Confirmed, attributed orders"}
    )
    converted_clicks = fields.Integer(
        required=True,
        metadata={
            "description": "Distinct clicks behind the confirmed, attributed, unreversed orders "
            "(a click with several orders counts once)"
        },
    )
    revenue = fields.Integer(required=True, metadata=_MONEY)
    likes = fields.Integer(required=True)
    saves = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    follows = fields.Integer(required=True)
    bought = fields.Integer(required=True)
    uniques = fields.Integer(
        required=True,
        metadata={
            "description": "Unique visitors per day, summed over the days; for a campaign "
            "distinct across its notes"
        },
    )
    flagged_engagements = fields.Integer(
        required=True, metadata={"description": "Engagements from new accounts"}
    )
    engagements = fields.Integer(
        required=True, metadata={"description": "likes + saves + comments (net)"}
    )
    engagement_rate = _rate("engagements ÷ views")
    flagged_share = _rate(
        "flagged engagements ÷ (likes + saves + comments + follows + bought), at most 1"
    )
    ctr = _rate("clicks ÷ views")
    conversion_rate = _rate("converted_clicks ÷ clicks (not orders ÷ clicks)")
    bot_share = _rate("robot views ÷ all views")
    spend = fields.Integer(allow_none=True, metadata=_MONEY)
    cpm = _cost("spend per 1000 views")
    cpc = _cost("spend per click")
    cpa = _cost("spend per conversion")
    cpe = _cost("spend per engagement")
    roas = fields.Float(allow_none=True, metadata={"description": "revenue ÷ spend"})


class Unconfirmed(Schema):
    """Orders only the public order-page snippet reported: shown apart, counted nowhere else
    until the brand's server confirms them (``POST /conversions`` with the same order id)."""

    unconfirmed_conversions = fields.Integer(required=True)
    unconfirmed_revenue = fields.Integer(
        required=True, metadata={"description": "The campaign's currency, minor units"}
    )


class Outcome(Schema):
    commission = _cost(
        "What commission and bonus settlements cost so far (with the brand fee on them; "
        "included in spend)"
    )


class Totals(Metrics, Unconfirmed, Outcome):
    note_uniques = fields.Integer(
        required=True, metadata={"description": "Uniques summed note by note"}
    )


class SeriesPoint(Metrics):
    at = fields.String(required=True, metadata={"format": "date-time"})


class Flag(Schema):
    """Something a brand should look at: views without clicks, a high robot share,
    engagement from new accounts (``new_account_burst``: a day with a burst of it), or a daily
    spike against the note's own baseline."""

    kind = fields.String(required=True)
    value = fields.Raw(required=True, metadata={"type": "number"})
    share = fields.Float(allow_none=True)
    day = fields.String(metadata={"format": "date"})
    baseline = fields.Raw(metadata={"type": "number"})


class NoteRow(Metrics, Unconfirmed, Outcome):
    note_id = fields.Integer(required=True)
    title = fields.String(required=True)
    slug = fields.String(required=True, allow_none=True)
    kol = fields.String(required=True)
    kol_id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True, allow_none=True)
    campaign_id = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True)
    tracking_code = fields.String(required=True, allow_none=True)
    flags = fields.List(fields.Nested(Flag), required=True)


class StatsRange(Schema):
    from_ = fields.String(
        required=True, data_key="from", attribute="from", metadata={"format": "date"}
    )
    to = fields.String(required=True, metadata={"format": "date"})
    granularity = fields.String(required=True, metadata={"enum": ["hour", "day"]})


class Stats(Schema):
    range = fields.Nested(StatsRange, required=True)
    totals = fields.Nested(Totals, required=True)
    series = fields.List(fields.Nested(SeriesPoint), required=True)
    notes = fields.List(fields.Nested(NoteRow), required=True)


class ConversionFields(Schema):
    """An order as the conversions API answers it (recorded, or reversed)."""

    id = fields.Integer(required=True)
    order_id = fields.String(required=True)
    value = fields.Integer(required=True, metadata={"description": "Minor units"})
    currency = fields.String(required=True)
    time = fields.String(required=True, metadata={"format": "date-time"})
    attributed = fields.Boolean(required=True)
    note_id = fields.Integer(required=True, allow_none=True)
    contract_id = fields.Integer(required=True, allow_none=True)
    campaign_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
