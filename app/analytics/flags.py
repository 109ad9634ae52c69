"""The dashboard's flags on a note (app/analytics/queries.py ``stats_for``): views without
clicks, a high bot share, engagement from new accounts, bursts of it, and daily spikes against
the note's own baseline."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import median

from flask import current_app

from app.analytics.bursts import is_burst
from app.analytics.metrics import SUMMED

BASELINE_DAYS = 14  # a spike is measured against the median of the note's previous days


def note_flags(
    daily: dict[int, dict[date, tuple]], start: date, end: date, per_note: dict[int, dict]
) -> dict[int, list[dict]]:
    """Views without clicks, bot share above the threshold, and daily spikes against the note's
    own baseline (the median of its previous days), per note: ``daily`` holds each note's
    counters per day (in SUMMED's order) from BASELINE_DAYS before ``start``, ``per_note``
    their sums from ``start`` to ``end``."""
    flags: dict[int, list[dict]] = defaultdict(list)
    quiet = current_app.config["ANALYTICS_QUIET_VIEWS"]
    bot_share = current_app.config["ANALYTICS_BOT_SHARE"]
    factor = current_app.config["ANALYTICS_SPIKE_FACTOR"]
    for note_id, row in per_note.items():
        if row["views"] >= quiet and row["clicks"] == 0:
            flags[note_id].append({"kind": "views_without_clicks", "value": row["views"]})
        if (row["bot_share"] or 0) > bot_share and row["views"] + row["bot_views"] >= 20:
            flags[note_id].append({"kind": "bot_share", "value": row["bot_share"]})
        if row["flagged_engagements"] > 0:
            flags[note_id].append(
                {
                    "kind": "new_account_engagement",
                    "value": row["flagged_engagements"],
                    "share": row["flagged_share"],
                }
            )
    views_at, flagged_at = SUMMED.index("views"), SUMMED.index("flagged_engagements")
    for note_id, days in daily.items():
        in_range = sorted(d for d in days if start <= d <= end)
        for d in in_range:
            if not days[d][flagged_at]:
                continue  # no engagement from new accounts: no burst
            counters = dict(zip(SUMMED, days[d], strict=True))
            if is_burst(counters):
                flags[note_id].append(
                    {
                        "kind": "new_account_burst",
                        "value": counters["flagged_engagements"],
                        "day": d.isoformat(),
                    }
                )
        by_day = {d.toordinal(): values[views_at] for d, values in days.items()}
        for d in in_range:
            day, views = d.toordinal(), days[d][views_at]
            if views < 50:
                continue
            before = [by_day.get(day - k, 0) for k in range(1, BASELINE_DAYS + 1)]
            baseline = max(median(before), 1)
            if views > factor * baseline:
                flags[note_id].append(
                    {"kind": "spike", "value": views, "day": d.isoformat(), "baseline": baseline}
                )
    return dict(flags)
