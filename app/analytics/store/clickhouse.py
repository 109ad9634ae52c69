"""The ClickHouse store: raw events in a MergeTree table partitioned by month and kept
ANALYTICS_RETENTION_DAYS (a TTL), rolled up on insert by materialized views into
AggregatingMergeTree tables per note per hour and, from those, per note per day (whole-day
reads: the dashboards). Unique visitors are kept as mergeable ``uniqExact`` states, so the
distinct visitors of any scope over any period are exact (a merge of the days' or hours'
states, never a sum of daily counts); docs/analytics.md "The analytics store" says why
uniqExact and what it costs.

The writer's rules are today's, decided by the engine: the batch goes in as the stream carries
it (COPY text rows are TabSeparated) and two INSERT … SELECT statements store its new events —
an event id is stored once (anti-joined with ``event_ids``, the ids ordered for a primary-key
read, kept as long as the events), and a visitor's repeat view of a note within the dedupe
window is stored but not counted, by the rule of ``rollups.flag_views`` (the SQL stores'),
folded per (note, visitor) over the batch in time order from the last counted view of each
(note, visitor, day) in ``marks`` (what the SQL store's visitor-days hold, kept by a
materialized view). No per-event work in Python. One writer per store at a time (a lock here;
one writer process per visitor partition on a cluster, docs/analytics.md).

No money is stored here: conversions, spend and settlements stay in the app's database.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from app.analytics.event_rows import _text
from app.analytics.store import COUNTS, Scope, click_groups
from app.analytics.store.clickhouse_sql import (
    BACKFILL_DAYS,
    CAMPAIGN_DAYS,
    CLICKS,
    CLICKS_OF_NOTE,
    COUNT_OLD,
    COUNTS_SQL,
    DAILY,
    DAY_UNIQUES,
    DELETE_OLD,
    FIGURES,
    FRESH,
    FRESH_COUNT,
    HAS_DAYS,
    HOURS,
    INCOMING_COLUMNS,
    NOTE_HOURS,
    RAW_EVENTS,
    SEEN_BY_HOUR,
    SIGNED_IN_VIEWS,
    STAGING,
    STORE_FRESH,
    VISITOR_NOTES,
    schema,
    writer_tag,
)
from app.analytics.store.transports import ChdbTransport, ServerTransport, Transport

EVENTS = "kol_analytics.events"
EVENT_COLUMNS = (
    "event_id", "kind", "occurred_at", "note_id", "contract_id", "campaign_id", "kol_id",
    "visitor", "user_id", "is_bot", "counted",
)  # fmt: skip
LOOKUP_CHUNK = 5000  # ids per lookup statement
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    return (at - EPOCH) // MICRO


def _day_bounds(start: date, end: date) -> dict:
    return {
        "since": int(datetime.combine(start, time(), UTC).timestamp()),
        "until": int(datetime.combine(end + timedelta(1), time(), UTC).timestamp()),
    }


def _days(start: date, end: date, scope: Scope) -> dict:
    return {"start": start, "end": end, "scope": scope.id}


def _hour(unix) -> datetime:
    return datetime.fromtimestamp(int(unix), UTC)


def _tsv(rows: list[dict]) -> bytes:
    """``rollups.flag_views`` rows as the events table's TabSeparated rows (the bench's engine
    insert, bench/store_chdb.py)."""
    null = "\\N"
    lines = []
    for r in rows:
        at = micros(r["occurred_at"])
        uid = r["user_id"]
        lines.append(
            f"{_text(r['event_id'])}\t{r['kind']}\t{at // 1_000_000}.{at % 1_000_000:06d}\t"
            f"{r['note_id']}\t{r['contract_id']}\t{r['campaign_id']}\t{r['_kol']}\t"
            f"{_text(r['visitor'])}\t{uid if uid is not None else null}\t"
            f"{int(r['is_bot'])}\t{int(r['counted'])}\n"
        )
    return "".join(lines).encode()


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ClickHouseStore:
    name = "clickhouse"
    # Each insert makes a part in every table it reaches (events, both rollups, the ids, the
    # marks) for the background merges to fold: at 20,000 a chunk those merges held the 2-core
    # bench at 77,000 events/s sustained; at 100,000, 117,000 (ClickHouse's own advice:
    # inserts of at least 100,000 rows, or one a second).
    ingest_chunk = 100_000

    def __init__(self, transport: Transport, *, window_minutes: int, retention_days: int):
        self.transport = transport
        self.window = timedelta(minutes=window_minutes)
        self.retention_days = retention_days
        self._writer = threading.Lock()
        self.staging: dict[str, str] | None = None
        ((had_days,),) = transport.rows(HAS_DAYS)
        for statement in schema(retention_days):
            transport.command(statement)
        if not int(had_days):  # a store made before the daily rollup: its days from the hours
            transport.command(BACKFILL_DAYS)

    @classmethod
    def from_url(cls, url: str, **settings) -> ClickHouseStore:
        """``chdb://<directory>``: ClickHouse in this process (tests, CI, the bench); anything
        else is a server's address for clickhouse-connect."""
        if url.startswith("chdb://"):
            return cls(ChdbTransport(url.removeprefix("chdb://")), **settings)
        return cls(ServerTransport(url), **settings)

    # Writing

    def ingest_rows(self, data: bytes) -> int:
        return self._ingest(data)[0]

    def store_rows(self, data: bytes) -> set[int]:
        return self._ingest(data)[1]  # each insert is durable on its own: nothing to commit

    def _ingest(self, data: bytes) -> tuple[int, set[int]]:
        """The batch goes to the engine as the stream carries it (no per-event work in
        Python); the engine drops the ids stored before and decides the rule (FRESH,
        STORE_FRESH). How many events were new, and their campaigns."""
        if not data:
            return 0, set()
        with self._writer:
            staging = self._staging()
            self._empty_staging()
            self.transport.insert(staging["incoming"], INCOMING_COLUMNS, data)
            self.transport.command(staging["FRESH"])
            ((count, campaigns),) = self.transport.rows(staging["FRESH_COUNT"])
            if int(count):
                self.transport.command(staging["STORE_FRESH"], {"window": self.window // MICRO})
            self._empty_staging()
            return int(count), {int(c) for c in campaigns}

    def _staging(self) -> dict[str, str]:
        """This writer's staging tables (made at its first batch) and its statements."""
        if self.staging is None:
            tag = writer_tag()
            for statement in STAGING:
                self.transport.command(statement.replace("@writer", tag))
            self.staging = {
                "incoming": f"kol_analytics.incoming_{tag}",
                "fresh": f"kol_analytics.fresh_{tag}",
                **{name: sql.replace("@writer", tag) for name, sql in
                   (("FRESH", FRESH), ("STORE_FRESH", STORE_FRESH), ("FRESH_COUNT", FRESH_COUNT))},
            }  # fmt: skip
        return self.staging

    def _empty_staging(self) -> None:
        for table in ("incoming", "fresh"):
            self.transport.command(f"TRUNCATE TABLE {self.staging[table]}")

    # Reading

    def daily(self, scope: Scope, start: date, end: date) -> dict[int, dict[date, dict]]:
        out: dict[int, dict[date, dict]] = defaultdict(dict)
        for note, day, *values in self.transport.rows(DAILY[scope.kind], _days(start, end, scope)):
            out[int(note)][date.fromisoformat(day)] = dict(
                zip(COUNTS, map(int, values), strict=True)
            )
        return dict(out)

    def figures(self, scope: Scope, start: date, end: date) -> dict:
        """One statement: the sums, the period's distinct visitors (exact: one merge of the
        days' states) and the days' distinct visitors added up (``uniques``)."""
        (row,) = self.transport.rows(FIGURES[scope.kind], _days(start, end, scope))
        figures = dict(zip((*COUNTS[:4], "unique_visitors", "uniques"), map(int, row), strict=True))
        return {name: figures[name] for name in (*COUNTS, "unique_visitors")}

    def counts(self, scope: Scope, since: datetime, until: datetime) -> dict:
        params = {"since": micros(since), "until": micros(until), "scope": scope.id}
        (row,) = self.transport.rows(COUNTS_SQL[scope.kind], params)
        return dict(zip(("views", "clicks", "bot_views", "bot_clicks"), map(int, row), strict=True))

    def day_uniques(self, scope: Scope, start: date, end: date) -> dict[date, int]:
        rows = self.transport.rows(DAY_UNIQUES[scope.kind], _days(start, end, scope))
        return {date.fromisoformat(day): int(n) for day, n in rows if int(n)}

    def hours(self, scope: Scope, start: date, end: date) -> dict[datetime, dict]:
        params = {**_day_bounds(start, end), "scope": scope.id}
        out: dict[datetime, dict] = {}
        for at, *values in self.transport.rows(HOURS[scope.kind], params):
            out[_hour(at)] = dict(zip(COUNTS[:4], map(int, values), strict=True))
        seen = {_hour(at): (int(n), int(w))
                for at, n, w in self.transport.rows(SEEN_BY_HOUR[scope.kind], params)}  # fmt: skip
        for hour, (notes, wide) in seen.items():
            before = hour - timedelta(hours=1)
            earlier = seen.get(before, (0, 0)) if before.date() == hour.date() else (0, 0)
            if notes - earlier[0] or wide - earlier[1]:
                counts = out.setdefault(hour, dict.fromkeys(COUNTS[:4], 0))
                counts.update(uniques=notes - earlier[0], scope_uniques=wide - earlier[1])
        for counts in out.values():
            counts.setdefault("uniques", 0)
            counts.setdefault("scope_uniques", 0)
        return out

    def campaign_days(
        self, campaign_ids: list[int], start: date | None, end: date
    ) -> dict[int, dict[date, dict]]:
        out: dict[int, dict[date, dict]] = defaultdict(dict)
        bounds = {"start": start or date(1970, 1, 1), "end": end}
        for chunk in _chunks(sorted(set(campaign_ids))):
            for campaign_id, day, *values in self.transport.rows(
                CAMPAIGN_DAYS, {**bounds, "ids": chunk}
            ):
                out[int(campaign_id)][date.fromisoformat(day)] = dict(
                    zip(COUNTS, map(int, values), strict=True)
                )
        return dict(out)

    def visitor_notes(self, visitor: str, start: date, limit: int) -> list[tuple[int, date]]:
        params = {"visitor": visitor, "start": start, "limit": limit}
        rows = self.transport.rows(VISITOR_NOTES, params)
        return [(int(note_id), date.fromisoformat(day)) for note_id, day in rows]

    def note_hours(self, since: datetime, until: datetime) -> dict[int, dict[datetime, dict]]:
        out: dict[int, dict[datetime, dict]] = defaultdict(dict)
        params = {"since": micros(since), "until": micros(until)}
        for note_id, hour, views, clicks in self.transport.rows(NOTE_HOURS, params):
            out[int(note_id)][_hour(hour)] = {"views": int(views), "clicks": int(clicks)}
        return dict(out)

    def signed_in_views(self) -> list[tuple[int, int, datetime]]:
        return [
            (int(user), int(note), EPOCH + int(at) * MICRO)
            for user, note, at in self.transport.rows(SIGNED_IN_VIEWS)
        ]

    def clicks(self, click_ids: list[str]) -> dict[str, dict]:
        found = {}
        for group in click_groups(list(click_ids)):
            for chunk in _chunks(list(group.ids)):
                if group.since is None:
                    statement, params = CLICKS, {"ids": chunk}
                else:
                    statement, params = CLICKS_OF_NOTE, {
                        "note": group.note_id, "since": micros(group.since),
                        "until": micros(group.until), "ids": chunk,
                    }  # fmt: skip
                for event_id, is_bot, user_id, note_id in self.transport.rows(statement, params):
                    found[event_id] = {"is_bot": bool(is_bot), "user_id": user_id,
                                       "note_id": note_id}  # fmt: skip
        return found

    def raw_events(self, scope: Scope) -> int:
        (row,) = self.transport.rows(RAW_EVENTS[scope.kind], {"scope": scope.id})
        return int(row[0])

    def prune(self, *, days: int | None = None) -> int:
        """What the TTL does at merges, now: raw events older than ``days`` deleted (a
        mutation, waited for); the hourly rollups are kept."""
        days = days or self.retention_days
        if days < 1:
            raise ValueError("keep at least one day")
        cutoff = {"cutoff": micros(datetime.now(UTC) - timedelta(days=days))}
        (row,) = self.transport.rows(COUNT_OLD, cutoff)
        if int(row[0]):
            self.transport.command(DELETE_OLD, cutoff)
        return int(row[0])
