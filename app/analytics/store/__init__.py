"""The analytics store: one interface for everything that writes and reads tracking data, and
the engine behind it chosen by ``ANALYTICS_STORE`` (docs/analytics.md "The analytics store").

- ``sql`` (default): today's tables in the app's database (SQLite for ``make run``, PostgreSQL),
  through today's functions (app/analytics/rollups.py, pg_ingest.py, queries.py);
- ``clickhouse``: raw events and rollups in ClickHouse (app/analytics/store/clickhouse.py), on a
  server (``CLICKHOUSE_URL`` http(s)://…) or, in tests and CI, in process (``chdb://<dir>``).

Money never lives in a store: conversions, spend and settlements stay in the app's database;
the store answers with counts and with the click facts (bot or not, the signed-in user) of
click ids the database asks about by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from flask import current_app

from app.analytics.click_ids import click_note, click_time
from config import ConfigError

SCOPES = ("campaign", "contract", "note", "kol")
# What a store counts per note per day (and in ``figures``): counted human views, clicks, the
# robots' views and clicks, and unique visitors (distinct visitors with a counted view).
COUNTS = ("views", "clicks", "bot_views", "bot_clicks", "uniques")


@dataclass(frozen=True)
class Scope:
    """Whose tracking data: a campaign, a contract, a note or a KOL (all the KOL's notes)."""

    kind: str
    id: int

    def __post_init__(self):
        if self.kind not in SCOPES:
            raise ValueError(f"unknown scope {self.kind!r}")


class AnalyticsStore(Protocol):
    """What writes and reads tracking data. Days are UTC days; a period is inclusive."""

    name: str
    # Events per ``store_rows`` call in the writer's step (app/analytics/pipeline.py drain).
    ingest_chunk: int

    def ingest_rows(self, data: bytes) -> int:
        """Store the writer's batch (COPY rows, app/analytics/event_rows.py) once per event id,
        flag a visitor's repeat view of a note within ANALYTICS_DEDUPE_MINUTES as not counted,
        and roll the new events up; returns how many were new. Flushes only (SQL)."""

    def store_rows(self, data: bytes) -> set[int]:
        """``ingest_rows`` and commit: the Redis writer's step (app/analytics/pipeline.py).
        Returns the campaigns of the new events (whose pages of figures are rebuilt)."""

    def daily(self, scope: Scope, start: date, end: date) -> dict[int, dict[date, dict]]:
        """COUNTS per note per day; ``uniques`` are distinct per note per day."""

    def figures(self, scope: Scope, start: date, end: date) -> dict:
        """The dashboard's totals: COUNTS summed over the period, ``uniques`` distinct across
        the scope's notes per day and summed over the days (the dashboards' figure), and
        ``unique_visitors``: distinct visitors over the whole period (exact)."""

    def counts(self, scope: Scope, since: datetime, until: datetime) -> dict:
        """Counted views and human clicks (and the robots') of the hours from ``since`` (its
        hour) to before ``until``: what a contract's bonus threshold reads."""

    def day_uniques(self, scope: Scope, start: date, end: date) -> dict[date, int]:
        """Distinct visitors per day across the scope's notes (a campaign's or a KOL's)."""

    def hours(self, scope: Scope, start: date, end: date) -> dict[datetime, dict]:
        """COUNTS per UTC hour of the days (the hourly chart), summed over the scope's notes:
        ``uniques`` are the visitors whose first counted view of a note that day falls in the
        hour (summed over notes: they add up to the day's per-note uniques), and
        ``scope_uniques`` those new to the whole scope that day (a campaign's or a KOL's
        distinct visitors; for a note or a contract the same as ``uniques``)."""

    def campaign_days(
        self, campaign_ids: list[int], start: date | None, end: date
    ) -> dict[int, dict[date, dict]]:
        """COUNTS per campaign per day (``start`` None: from the first day stored), ``uniques``
        distinct across the campaign's notes per day: the brands' campaign list and workbench."""

    def visitor_notes(self, visitor: str, start: date, limit: int) -> list[tuple[int, date]]:
        """(note id, last day) of the notes a visitor (the first-party cookie) read with a
        counted view from ``start`` on, latest first (ties: the higher note id), at most
        ``limit``: what signed-out *For you* starts from (app/recommend/queries.py)."""

    def note_hours(self, since: datetime, until: datetime) -> dict[int, dict[datetime, dict]]:
        """Counted views and human clicks (``views``, ``clicks``) per note per UTC hour, of every
        note with any in the hours starting from ``since`` to ``until`` (both included): the
        traffic part of trending (app/notes/trending.py); engagement stays in the database."""

    def signed_in_views(self) -> list[tuple[int, int, datetime]]:
        """(user id, note id, time of the last counted view) per signed-in person and note, of
        human counted views over the raw events kept: the recommender's view rows
        (app/recommend/sources.py); likes, saves and purchases stay in the database."""

    def clicks(self, click_ids: list[str]) -> dict[str, dict]:
        """click id -> {"is_bot", "user_id", "note_id"} for the clicks stored (attribution and
        settlement read these by id; the money stays in the database)."""

    def raw_events(self, scope: Scope) -> int:
        """How many raw events (bots and repeats included) are kept for the scope."""

    def prune(self, *, days: int) -> int:
        """Drop raw events (and dedupe state) older than ``days``; rollups are kept."""


# A click id carries its note and its second (app/analytics/tracking.py ``new_click_id``); the
# click's event is stored at that second. The lookup of clicks by id reads the events of the
# ids' times only, give or take this much (a retried or batch-sent click may carry another
# time): a month partition or two, never every month kept.
CLICK_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class ClickGroup:
    """Click ids whose times fall within [since, until), all of one note (``note_id``), or
    ``ids`` that carry no time (since and until None: every event kept is read for them)."""

    ids: tuple[str, ...]
    note_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def click_groups(click_ids: list[str]) -> list[ClickGroup]:
    """The ids to read back, grouped by note and UTC month of the time each carries (unchecked:
    a forged time can only make its own id be missed), plus one group of the ids without."""
    dated: dict[tuple[int, str], list[tuple[datetime, str]]] = {}
    undated: list[str] = []
    for click_id in dict.fromkeys(click_ids):
        at, note = click_time(click_id), click_note(click_id)
        if at is None or note is None:
            undated.append(click_id)
        else:
            dated.setdefault((note, f"{at:%Y-%m}"), []).append((at, click_id))
    groups = [
        ClickGroup(tuple(i for _at, i in items), note,
                   min(items)[0] - CLICK_SLACK, max(items)[0] + CLICK_SLACK)
        for (note, _month), items in sorted(dated.items())
    ]  # fmt: skip
    if undated:
        groups.append(ClickGroup(tuple(undated)))
    return groups


def store_for(app) -> AnalyticsStore:
    """The app's store (built once per app)."""
    store = app.extensions.get("analytics_store")
    if store is None:
        if app.config["ANALYTICS_STORE"] == "clickhouse":
            from app.analytics.store.clickhouse import ClickHouseStore

            if not app.config["CLICKHOUSE_URL"]:
                raise ConfigError("ANALYTICS_STORE=clickhouse needs CLICKHOUSE_URL")

            store = ClickHouseStore.from_url(
                app.config["CLICKHOUSE_URL"],
                window_minutes=app.config["ANALYTICS_DEDUPE_MINUTES"],
                retention_days=app.config["ANALYTICS_RETENTION_DAYS"],
            )
        else:
            from app.analytics.store.sql import SqlStore

            store = SqlStore()
        app.extensions["analytics_store"] = store
    return store


def current_store() -> AnalyticsStore:
    return store_for(current_app)
