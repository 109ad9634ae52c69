"""The dashboards' traffic from the analytics store. The dashboards (app/analytics/queries.py)
read every counter per note per day from the hourly rollups in the database; with a store other
than SQL the traffic (views, clicks, bot views and clicks, unique visitors) is the store's, and
what stays in the database stays there: conversions, revenue (money) and engagement."""

from __future__ import annotations

from datetime import date, datetime

from app.analytics.metrics import SUMMED
from app.analytics.store import COUNTS, Scope, current_store

_AT = {name: SUMMED.index(name) for name in (*COUNTS, "campaign_uniques", "kol_uniques")}


def with_store_traffic(
    daily: dict[int, dict[date, tuple]], scope: Scope, start: date, end: date
) -> dict[int, dict[date, tuple]]:
    """``daily`` (SUMMED per note per day, from the rollups) with the store's traffic."""
    store = current_store()
    if store.name == "sql":  # the rollups are the store's
        return daily
    traffic = store.daily(scope, start, end)
    zero = (0,) * len(SUMMED)
    out: dict[int, dict[date, list]] = {}
    for note_id in set(daily) | set(traffic):
        stored, counted = daily.get(note_id, {}), traffic.get(note_id, {})
        out[note_id] = {}
        for day in set(stored) | set(counted):
            values = list(stored.get(day, zero))
            counts = counted.get(day, {})
            for name in COUNTS:
                values[_AT[name]] = counts.get(name, 0)
            values[_AT["campaign_uniques"]] = values[_AT["kol_uniques"]] = 0
            out[note_id][day] = values
    # The scope's distinct visitors of a day go on that day's first note: summed over the notes
    # (queries.campaign_wide, kol_wide) they are the day's unique visitors of the whole scope.
    for day, visitors in store.day_uniques(scope, start, end).items():
        first = min(note_id for note_id, days in traffic.items() if day in days)
        out[first][day][_AT["campaign_uniques"]] = visitors
        out[first][day][_AT["kol_uniques"]] = visitors
    return {note_id: {d: tuple(v) for d, v in days.items()} for note_id, days in out.items()}


def with_store_hours(
    hours: dict[datetime, list[int]], scope: Scope, start: date, end: date
) -> dict[datetime, list[int]]:
    """The hourly chart's buckets (SUMMED per hour, from the rollups: engagement and money)
    with the store's traffic: COUNTS, and the scope's uniques (campaign_uniques, kol_uniques)
    as the store counts them; an hour the store has no traffic in has none."""
    store = current_store()
    if store.name == "sql":  # the rollups are the store's
        return hours
    traffic = store.hours(scope, start, end)
    for at in set(hours) | set(traffic):
        values = hours.setdefault(at, [0] * len(SUMMED))
        counts = traffic.get(at, {})
        for name in COUNTS:
            values[_AT[name]] = counts.get(name, 0)
        values[_AT["campaign_uniques"]] = values[_AT["kol_uniques"]] = counts.get(
            "scope_uniques", 0
        )
    return hours


def campaign_traffic(
    campaign_ids: list[int], start: date | None, end: date
) -> dict[int, dict[date, dict]] | None:
    """The store's COUNTS per campaign per day, or None with the SQL store (whose rollups the
    caller reads with its other columns in one query)."""
    store = current_store()
    if store.name == "sql":
        return None
    return store.campaign_days(campaign_ids, start, end)


def scope_of(*, campaign_id=None, contract_id=None, note_id=None, kol_id=None) -> Scope:
    """The scope of a dashboard's arguments (queries.stats_for: the first one given)."""
    given = (("campaign", campaign_id), ("contract", contract_id), ("note", note_id))
    return next((Scope(k, v) for k, v in given if v is not None), Scope("kol", kol_id))
