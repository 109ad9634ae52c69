"""The ClickHouse store's SQL (app/analytics/store/clickhouse.py runs it): the schema, the
writer's staging tables and dedupe statements, and the reads per scope. The same text goes to a
ClickHouse server (clickhouse-connect) and to chdb."""

from __future__ import annotations

import os
import re
import socket

from app.analytics.store import SCOPES

# kol_analytics.daily's rows from hourly rows: its view's query, and a store's backfill when
# the table is new (ClickHouseStore.__init__).
DAYS_OF_HOURS = """SELECT toDate(hour) AS day, campaign_id, note_id,
  any(contract_id) AS contract_id, any(kol_id) AS kol_id, sum(views) AS views,
  sum(clicks) AS clicks, sum(bot_views) AS bot_views, sum(bot_clicks) AS bot_clicks,
  uniqExactMergeState(visitors) AS visitors
FROM kol_analytics.hourly GROUP BY day, campaign_id, note_id"""
BACKFILL_DAYS = "INSERT INTO kol_analytics.daily " + DAYS_OF_HOURS
HAS_DAYS = """SELECT count() FROM system.tables
WHERE database = 'kol_analytics' AND name = 'daily'"""
# Every table of stored data (the tests empty them).
TABLES = ("events", "hourly", "daily", "event_ids", "marks")

# The schema, created if missing (ClickHouse has its own schema: no migration). @keep: the
# raw events' retention in days (an integer).
SCHEMA = (
    "CREATE DATABASE IF NOT EXISTS kol_analytics",
    """CREATE TABLE IF NOT EXISTS kol_analytics.events (
  event_id String, kind LowCardinality(String), occurred_at DateTime64(6, 'UTC'),
  note_id UInt64, contract_id UInt64, campaign_id UInt64, kol_id UInt64, visitor String,
  user_id Nullable(UInt64), is_bot UInt8, counted UInt8,
  INDEX ix_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (campaign_id, note_id, occurred_at)
TTL toDateTime(occurred_at) + INTERVAL @keep DAY DELETE""",
    """CREATE TABLE IF NOT EXISTS kol_analytics.hourly (
  hour DateTime('UTC'), campaign_id UInt64, note_id UInt64,
  -- functionally dependent on the note: any value of a merge is the value
  contract_id SimpleAggregateFunction(any, UInt64), kol_id SimpleAggregateFunction(any, UInt64),
  views SimpleAggregateFunction(sum, UInt64), clicks SimpleAggregateFunction(sum, UInt64),
  bot_views SimpleAggregateFunction(sum, UInt64), bot_clicks SimpleAggregateFunction(sum, UInt64),
  visitors AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (campaign_id, note_id, hour)""",
    """CREATE MATERIALIZED VIEW IF NOT EXISTS kol_analytics.hourly_mv TO kol_analytics.hourly AS
SELECT toStartOfHour(occurred_at) AS hour, campaign_id, note_id,
  any(contract_id) AS contract_id, any(kol_id) AS kol_id,
  countIf(kind = 'view' AND is_bot = 0 AND counted = 1) AS views,
  countIf(kind = 'click' AND is_bot = 0) AS clicks,
  countIf(kind = 'view' AND is_bot = 1) AS bot_views,
  countIf(kind = 'click' AND is_bot = 1) AS bot_clicks,
  uniqExactStateIf(visitor, kind = 'view' AND is_bot = 0 AND counted = 1) AS visitors
FROM kol_analytics.events GROUP BY hour, campaign_id, note_id""",
    # The same per note per day, filled from each block the hourly view inserts (a cascade):
    # whole-day reads (the dashboards, the campaign list) merge a day's state, not 24 hours'.
    # Small granules: a row holds a day's visitor hashes (16 bytes each), and a state read is
    # a state deserialized — 8192-row granules made a campaign's 600 rows cost 10,000.
    """CREATE TABLE IF NOT EXISTS kol_analytics.daily (
  day Date, campaign_id UInt64, note_id UInt64,
  contract_id SimpleAggregateFunction(any, UInt64), kol_id SimpleAggregateFunction(any, UInt64),
  views SimpleAggregateFunction(sum, UInt64), clicks SimpleAggregateFunction(sum, UInt64),
  bot_views SimpleAggregateFunction(sum, UInt64), bot_clicks SimpleAggregateFunction(sum, UInt64),
  visitors AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (campaign_id, note_id, day)
SETTINGS index_granularity = 128""",
    f"CREATE MATERIALIZED VIEW IF NOT EXISTS kol_analytics.daily_mv TO kol_analytics.daily AS\n"
    f"{DAYS_OF_HOURS}",
    # The writer's two lookups, each a primary-key read: has an event id been stored, and the
    # last counted view of a (visitor, day, note) (the SQL store's visitor-days). Kept as long
    # as the raw events.
    """CREATE TABLE IF NOT EXISTS kol_analytics.event_ids (
  event_id String, occurred_at DateTime64(6, 'UTC')
) ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
TTL toDateTime(occurred_at) + INTERVAL @keep DAY DELETE""",
    """CREATE MATERIALIZED VIEW IF NOT EXISTS kol_analytics.event_ids_mv
TO kol_analytics.event_ids AS SELECT event_id, occurred_at FROM kol_analytics.events""",
    """CREATE TABLE IF NOT EXISTS kol_analytics.marks (
  visitor String, day Date, note_id UInt64,
  counted_at SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (visitor, day, note_id)
TTL day + INTERVAL @keep DAY DELETE""",
    """CREATE MATERIALIZED VIEW IF NOT EXISTS kol_analytics.marks_mv TO kol_analytics.marks AS
SELECT visitor, toDate(occurred_at) AS day, note_id, max(occurred_at) AS counted_at
FROM kol_analytics.events WHERE kind = 'view' AND is_bot = 0 AND counted = 1
GROUP BY visitor, day, note_id""",
)


def schema(retention_days: int) -> list[str]:
    return [statement.replace("@keep", str(int(retention_days))) for statement in SCHEMA]


# The writer's batch as it came from the stream (the COPY rows, TabSeparated as they are),
# and its new events: staging tables of one writer (a process: @writer is its host and pid,
# so that two writers never share one), emptied before and after each batch.
STAGING = (
    """CREATE TABLE IF NOT EXISTS kol_analytics.incoming_@writer (
  event_id String, kind LowCardinality(String), t Float64, note_id UInt64, contract_id UInt64,
  campaign_id UInt64, kol_id UInt64, visitor String, is_bot UInt8, user_id Nullable(UInt64)
) ENGINE = Memory""",
    """CREATE TABLE IF NOT EXISTS kol_analytics.fresh_@writer (
  event_id String, kind LowCardinality(String), us Int64, note_id UInt64, contract_id UInt64,
  campaign_id UInt64, kol_id UInt64, visitor String, is_bot UInt8, user_id Nullable(UInt64)
) ENGINE = Memory""",
)


def writer_tag() -> str:
    """This process's name among the writers: host and pid, as an identifier."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{socket.gethostname()}_{os.getpid()}")


# The batch's columns as the stream carries them (app/analytics/event_rows.py COLUMNS).
INCOMING_COLUMNS = (
    "event_id", "kind", "t", "note_id", "contract_id", "campaign_id", "kol_id", "visitor",
    "is_bot", "user_id",
)  # fmt: skip
# The engine's dedupe, three statements per batch (docs/analytics.md "Dedupe"):
# 1. the batch's new events: ids not in event_ids, each id once (its earliest time);
FRESH = """INSERT INTO kol_analytics.fresh_@writer
SELECT event_id, kind, toInt64(round(t * 1000000)) AS us, note_id, contract_id, campaign_id,
  kol_id, visitor, is_bot, user_id
FROM kol_analytics.incoming_@writer
WHERE event_id NOT IN (
  SELECT event_id FROM kol_analytics.event_ids
  WHERE event_id IN (SELECT event_id FROM kol_analytics.incoming_@writer))
ORDER BY event_id, us LIMIT 1 BY event_id"""
# 2. the rule, per (note, visitor) over their human views in time order (arrayFold): a view
# is counted when it is at least a window away from the last view counted in this batch, or,
# before one is, from the latest stored counted view (``marks``) of the days its window
# touches, either side — rollups.flag_views, the SQL stores' rule, decided by the engine;
# 3. the events stored with their flag (and, by the materialized views, the rollups, the ids
# and the marks). @fold is the rule's expression.
_STORE_FRESH = """INSERT INTO kol_analytics.events
  (event_id, kind, occurred_at, note_id, contract_id, campaign_id, kol_id, visitor, user_id,
   is_bot, counted)
SELECT f.event_id, f.kind, fromUnixTimestamp64Micro(f.us, 'UTC'), f.note_id, f.contract_id,
  f.campaign_id, f.kol_id, f.visitor, f.user_id, f.is_bot,
  if(f.kind = 'view' AND f.is_bot = 0, c.counted, 1)
FROM kol_analytics.fresh_@writer AS f
LEFT JOIN (
  SELECT flag.1 AS event_id, flag.2 AS counted
  FROM (
    SELECT arraySort(groupArray((v.us, v.event_id))) AS seq, any(m.last_of_day) AS last_of_day,
      arrayMap(x -> greatest(
        last_of_day[toDate(fromUnixTimestamp64Micro(x.1 - {window:Int64}, 'UTC'))],
        last_of_day[toDate(fromUnixTimestamp64Micro(x.1, 'UTC'))],
        last_of_day[toDate(fromUnixTimestamp64Micro(x.1 + {window:Int64}, 'UTC'))]), seq
      ) AS stored,
      @fold AS flags
    FROM kol_analytics.fresh_@writer AS v
    LEFT JOIN (
      SELECT note_id, visitor, mapFromArrays(groupArray(day), groupArray(last)) AS last_of_day
      FROM (
        SELECT note_id, visitor, day, max(toUnixTimestamp64Micro(counted_at)) AS last
        FROM kol_analytics.marks
        WHERE visitor IN (SELECT visitor FROM kol_analytics.fresh_@writer
                          WHERE kind = 'view' AND is_bot = 0)
          AND day >= (SELECT toDate(fromUnixTimestamp64Micro(min(us) - {window:Int64}, 'UTC'))
                      FROM kol_analytics.fresh_@writer)
          AND day <= (SELECT toDate(fromUnixTimestamp64Micro(max(us) + {window:Int64}, 'UTC'))
                      FROM kol_analytics.fresh_@writer)
        GROUP BY note_id, visitor, day)
      GROUP BY note_id, visitor
    ) AS m ON m.note_id = v.note_id AND m.visitor = v.visitor
    WHERE v.kind = 'view' AND v.is_bot = 0
    GROUP BY v.note_id, v.visitor
  ) ARRAY JOIN arrayZip(arrayMap(x -> x.2, seq), flags) AS flag
) AS c ON c.event_id = f.event_id
SETTINGS parallel_view_processing = 1"""
STORE_FRESH = _STORE_FRESH.replace(
    "@fold",
    # acc: (the last view counted here in microseconds, 0 for none; the flags so far)
    "arrayFold((acc, x, s) -> ("
    "if(if(acc.1 > 0, acc.1, s) = 0 OR abs(x.1 - if(acc.1 > 0, acc.1, s)) >= {window:Int64},"
    " x.1, acc.1),"
    " arrayPushBack(acc.2, toUInt8(if(acc.1 > 0, acc.1, s) = 0"
    " OR abs(x.1 - if(acc.1 > 0, acc.1, s)) >= {window:Int64}))),"
    " seq, stored, (toInt64(0), CAST([], 'Array(UInt8)'))).2",
)
# How many events are new, and their campaigns (whose pages of figures are rebuilt: app/stamps.py).
FRESH_COUNT = "SELECT count(), groupUniqArray(campaign_id) FROM kol_analytics.fresh_@writer"

# Every statement is text: parameters travel as ClickHouse {name:Type} placeholders.
CLICKS = """SELECT event_id, is_bot, user_id, note_id FROM kol_analytics.events
WHERE kind = 'click' AND event_id IN {ids:Array(String)}"""
# Ids that carry their note and time (store.click_groups): the partitions of those months and
# the note's range of the sort key only.
CLICKS_OF_NOTE = """SELECT event_id, is_bot, user_id, note_id FROM kol_analytics.events
WHERE note_id = {note:UInt64}
  AND occurred_at >= fromUnixTimestamp64Micro({since:Int64}, 'UTC')
  AND occurred_at < fromUnixTimestamp64Micro({until:Int64}, 'UTC')
  AND kind = 'click' AND event_id IN {ids:Array(String)}"""
COUNT_OLD = """SELECT count() FROM kol_analytics.events
WHERE occurred_at < fromUnixTimestamp64Micro({cutoff:Int64}, 'UTC')"""
DELETE_OLD = """ALTER TABLE kol_analytics.events
DELETE WHERE occurred_at < fromUnixTimestamp64Micro({cutoff:Int64}, 'UTC')
SETTINGS mutations_sync = 2"""
# Per scope: @scope is the scope's column (campaign_id, contract_id, note_id, kol_id). Whole
# days (@days, the dashboards) read the daily rollup; hours (@hours) the hourly one.
_HOURS = """FROM kol_analytics.hourly
WHERE hour >= toDateTime({since:Int64}, 'UTC') AND hour < toDateTime({until:Int64}, 'UTC')
  AND @scope = {scope:UInt64}"""
_DAYS = """FROM kol_analytics.daily
WHERE day >= {start:Date} AND day <= {end:Date} AND @scope = {scope:UInt64}"""
_SUMS = "sum(views), sum(clicks), sum(bot_views), sum(bot_clicks), uniqExactMerge(visitors)"


def _per_scope(template: str) -> dict[str, str]:
    """``template`` per scope, with @hours, @days (a period in a scope) and @sums."""
    template = template.replace("@hours", _HOURS).replace("@days", _DAYS).replace("@sums", _SUMS)
    return {kind: template.replace("@scope", f"{kind}_id") for kind in SCOPES}


DAILY = _per_scope("SELECT note_id, toString(day), @sums @days GROUP BY note_id, day")
# The period's COUNTS, its distinct visitors (one merge of every day's state) and the days'
# distinct visitors added up (the dashboards' uniques), in one statement.
FIGURES = _per_scope(
    """SELECT sum(v), sum(c), sum(bv), sum(bc), uniqExactMerge(seen), sum(finalizeAggregation(seen))
FROM (SELECT sum(views) AS v, sum(clicks) AS c, sum(bot_views) AS bv, sum(bot_clicks) AS bc,
  uniqExactMergeState(visitors) AS seen @days GROUP BY day)"""
)
COUNTS_SQL = _per_scope(
    "SELECT sum(views), sum(clicks), sum(bot_views), sum(bot_clicks) FROM kol_analytics.hourly "
    "WHERE hour >= toStartOfHour(fromUnixTimestamp64Micro({since:Int64}, 'UTC')) "
    "AND hour < fromUnixTimestamp64Micro({until:Int64}, 'UTC') AND @scope = {scope:UInt64}"
)
DAY_UNIQUES = _per_scope("SELECT toString(day), uniqExactMerge(visitors) @days GROUP BY day")
HOURS = _per_scope(
    "SELECT toUnixTimestamp(hour), sum(views), sum(clicks), sum(bot_views), sum(bot_clicks) "
    "@hours GROUP BY hour"
)
# The visitors seen so far each day, at each hour: every hour's state is merged into the hours
# after it on its day (``upto``); per note (summed) and across the scope. The hour's new
# visitors are the difference from the hour before (ClickHouseStore.hours).
SEEN_BY_HOUR = _per_scope(
    """SELECT toUnixTimestamp(upto), sum(finalizeAggregation(seen)), uniqExactMerge(seen) FROM (
  SELECT upto, note_id, uniqExactMergeState(visitors) AS seen FROM kol_analytics.hourly
  ARRAY JOIN arrayMap(i -> hour + toIntervalHour(i), range(toUInt64(24 - toHour(hour)))) AS upto
  WHERE hour >= toDateTime({since:Int64}, 'UTC') AND hour < toDateTime({until:Int64}, 'UTC')
    AND @scope = {scope:UInt64}
  GROUP BY upto, note_id
) GROUP BY upto"""
)
_CAMPAIGN_DAYS = """SELECT campaign_id, toString(day), @sums FROM kol_analytics.daily
WHERE campaign_id IN {ids:Array(UInt64)} AND day >= {start:Date} AND day <= {end:Date}
GROUP BY campaign_id, day"""
CAMPAIGN_DAYS = _CAMPAIGN_DAYS.replace("@sums", _SUMS)
VISITOR_NOTES = """SELECT note_id, toString(max(day)) AS last FROM kol_analytics.marks
WHERE visitor = {visitor:String} AND day >= {start:Date}
GROUP BY note_id ORDER BY last DESC, note_id DESC LIMIT {limit:UInt32}"""
NOTE_HOURS = """SELECT note_id, toUnixTimestamp(hour), sum(views) AS v, sum(clicks) AS c
FROM kol_analytics.hourly
WHERE hour >= fromUnixTimestamp64Micro({since:Int64}, 'UTC')
  AND hour <= fromUnixTimestamp64Micro({until:Int64}, 'UTC')
GROUP BY note_id, hour HAVING v > 0 OR c > 0"""
SIGNED_IN_VIEWS = """SELECT user_id, note_id, toUnixTimestamp64Micro(max(occurred_at))
FROM kol_analytics.events
WHERE kind = 'view' AND is_bot = 0 AND counted = 1 AND user_id IS NOT NULL
GROUP BY user_id, note_id"""
RAW_EVENTS = _per_scope("SELECT count() FROM kol_analytics.events WHERE @scope = {scope:UInt64}")
