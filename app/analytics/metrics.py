"""The dashboard's metrics: the counters summed from the rollups and what is derived from them
(CTR, conversion rate, engagement rate, CPM, CPC, CPA, CPE, ROAS), and how a table sorts by them.
Pure functions of a row of counters (plus ``converted_clicks``, which the rollups do not hold:
app/analytics/orders.py) and the spend."""

from __future__ import annotations

# Engagement gained (net) per hour, written by app.engagement; flagged_engagements is the part
# of it from new accounts (counted, and shown separately as an anomaly).
ENGAGEMENT = ("likes", "saves", "comments", "follows", "bought", "flagged_engagements")
TRAFFIC = (
    "views", "uniques", "clicks", "bot_views", "bot_clicks", "conversions", "revenue",
    *ENGAGEMENT,
)  # fmt: skip
# Summed from the rollups; campaign_uniques (kol_uniques) adds up to distinct visitors of a
# campaign (of a KOL's notes) per day.
SUMMED = (*TRAFFIC, "campaign_uniques", "kol_uniques")
SORTABLE = (
    "title", "kol", "views", "uniques", "clicks", "ctr", "conversions", "conversion_rate",
    "revenue", "spend", "cpm", "cpc", "cpa", "roas", "likes", "saves", "comments", "follows",
    "bought", "engagements", "engagement_rate", "cpe",
)  # fmt: skip


def _ratio(num: int, den: int, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def _per(amount: int, count: int, times: int = 1) -> int | None:
    """Money per unit in minor units, rounded half up (integers only)."""
    return (amount * times * 2 + count) // (2 * count) if count else None


def _share(part: int, whole: int) -> float | None:
    """A part of a whole as a fraction in [0, 1]: counters are net (an unlike takes one back),
    so within a period a part can outrun its whole; a share never shows above 100 %."""
    ratio = _ratio(part, whole)
    return None if ratio is None else min(max(ratio, 0.0), 1.0)


def flaggable(row: dict) -> int:
    """Every engagement a new account can make, as flagged_engagements counts them: likes,
    saves, comments, follows and purchases of a saved note (net)."""
    return max(sum(int(row.get(k) or 0) for k in ENGAGEMENT if k != "flagged_engagements"), 0)


def engagements(row: dict) -> int:
    """Engagements as brands price them on Red: likes + saves + comments (net)."""
    return max(sum(int(row.get(k) or 0) for k in ("likes", "saves", "comments")), 0)


def derived(row: dict, spend: int | None) -> dict:
    """The ratios and costs of a set of counters."""
    out = {k: int(row.get(k) or 0) for k in TRAFFIC}
    views, clicks, conv = out["views"], out["clicks"], out["conversions"]
    out["engagements"] = engaged = engagements(out)
    out["engagement_rate"] = _ratio(engaged, views)
    # Of the same things: flagged_engagements counts follows and purchases too (app.engagement).
    out["flagged_share"] = _share(out["flagged_engagements"], flaggable(out))
    out["ctr"] = _ratio(clicks, views)
    # The clicks that led to at least one confirmed order (app/analytics/orders.py), not the
    # orders: one click can bring several orders and a promo code's order has no click.
    out["converted_clicks"] = converted = int(row.get("converted_clicks") or 0)
    out["conversion_rate"] = _ratio(converted, clicks)
    all_views = views + out["bot_views"]
    out["bot_share"] = _ratio(out["bot_views"], all_views)
    out["spend"] = spend
    if spend is not None:
        out["cpm"] = _per(spend, views, 1000)
        out["cpc"] = _per(spend, clicks)
        out["cpa"] = _per(spend, conv)
        out["cpe"] = _per(spend, engaged)
        out["roas"] = _ratio(out["revenue"], spend, 2)
    return out


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    key = key if key in SORTABLE else "views"

    def value(row):
        v = row.get(key)
        return (v is not None, v if v is not None else 0)

    return sorted(rows, key=value, reverse=descending)
