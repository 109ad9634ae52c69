"""The writer's PostgreSQL side: a chunk of event rows (app/analytics/event_rows.py) stored and
counted in one COPY and one statement, whatever the chunk's size.

What rollups.flag_views decides in Python on SQLite is decided here in SQL, on the staging
table. Every lookup in the dedupe tables is a primary-key probe per row (a LATERAL … LIMIT 1
cannot become a hash join over a whole table), so the plan is the same with or without
statistics, however large the tables grow:

- each event id once: the first copy in the chunk, and none already stored (probed in
  analytics_event_ids, one row per id whatever the month its event is stored in: the events'
  partitions are keyed by (event_id, occurred_at), so a replay with another time would
  otherwise land in another partition);
- each human view reads the visitor's stored rows of analytics_visitor_days for its note
  (keyed by day, visitor, note; a row per day, carrying the note's campaign, KOL and the last
  counted view of that day) on the days the dedupe window around it touches: its own day, and
  the day before or after only within a window of midnight (one index descent per day);
- only a view of a note the visitor has no row for that day (a new visitor's) also reads the
  visitor's whole day, for the campaigns and KOLs seen already: a visitor reading many notes
  pays for that read once per note per day, not on every repeat;
- a human view is counted when it is at least the window away from the last counted view of the
  note in those rows (either side of it): the first such view of the chunk, then the next one a
  window later, and so on (a short recursion: one step per view counted for the same visitor
  and note in one chunk);
- the first counted view of a visitor per note per day, per campaign per day and per KOL per
  day is a new unique visitor unless the visitor's stored rows of that day already have that
  note, campaign or KOL;
- the rows inserted add visitor-days (a new visitor's), move the last counted view of the
  visitor-days stored already, and add to the hourly rollups.

Visitors and event ids compare in byte order (COLLATE "C", migration 0011), here and in the
stored tables: every probe and index insert compares bytes, not through the locale.

The writer lock (rollups.WRITER_LOCK) is held, so nothing stores these rows meanwhile: the
rows found missing are inserted plainly, without the cost of ON CONFLICT. Should a row appear
anyway (a writer that skipped the lock), the statement runs again with ON CONFLICT throughout,
and only the events really inserted are counted.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.analytics.event_rows import COLUMNS
from app.extensions import db

# One round trip before the COPY. The staging table lives as long as the connection and is
# emptied by each commit (ON COMMIT DELETE ROWS: its rows stay in the session's local buffers,
# the file is never replaced) and by the DELETE, for a second chunk in one transaction. A
# TRUNCATE per drain created and unlinked a file each time — file-system work on the cores the
# web shares, several times a second — and invalidated the statement's cached plan.
# Planned afresh each time (force_custom_plan): the driver prepares a statement it runs often,
# and a plan cached for a drain of a few hundred hits, reused for a 20,000-event chunk, ran for
# a minute (`make bench`); the planner sizes the staging table from its current pages. JIT
# off: the statement's estimated cost (index probes per row) passes jit_above_cost, and
# compiling it would cost more than running it. Bitmap scans off: the visitor-day probes read
# a row or two per view, which a plain index scan does for ≈ 7 % less of the statement's time
# than building a bitmap per view (measured, 20,000-view chunks).
_PREPARE = (
    'CREATE TEMP TABLE IF NOT EXISTS analytics_stage (pos bigserial, event_id text COLLATE "C", '
    "kind text, t double precision, note_id bigint, contract_id bigint, campaign_id bigint, "
    'kol_id bigint, visitor text COLLATE "C", is_bot boolean, user_id bigint) '
    "ON COMMIT DELETE ROWS; DELETE FROM analytics_stage; "
    "SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan; "
    "SET LOCAL enable_bitmapscan = off"
)
_COPY = f"COPY analytics_stage ({', '.join(COLUMNS)}) FROM STDIN"


def _first_of_day(name: str, scope: str) -> str:
    """The CTE ``name``: each visitor's first counted view of a day per ``scope`` (campaign,
    kol) unless a stored visitor-day of that day already has the scope."""
    return f"""{name} AS (
  SELECT pos FROM (SELECT DISTINCT ON (day, {scope}_id, visitor) pos, {scope}_seen FROM day_firsts
                   ORDER BY day, {scope}_id, visitor, occurred_at, pos) w
  WHERE NOT {scope}_seen
),"""  # noqa: S608 # nosec B608 - module constants only


# Built once, at import, from the constants of this module only.
_DECIDE = f"""
WITH RECURSIVE
fresh AS (
  SELECT DISTINCT ON (s.event_id) s.pos, s.event_id, s.kind, to_timestamp(s.t) AS occurred_at,
         s.note_id, s.contract_id, s.campaign_id, s.kol_id, s.visitor, s.is_bot, s.user_id
  FROM analytics_stage s
  LEFT JOIN LATERAL (SELECT true AS stored FROM analytics_event_ids e
                     WHERE e.event_id = s.event_id LIMIT 1) e ON true
  WHERE e.stored IS NULL
  ORDER BY s.event_id, s.pos
),
marked AS (
  SELECT f.pos, f.note_id, f.campaign_id, f.kol_id, f.visitor, f.occurred_at, f.day, s.mark,
         s.note_seen, s.note_seen OR coalesce(d.campaign_seen, false) AS campaign_seen,
         s.note_seen OR coalesce(d.kol_seen, false) AS kol_seen,
         row_number() OVER (PARTITION BY f.note_id, f.visitor ORDER BY f.occurred_at, f.pos)
           AS ord,
         1 + count(*) OVER (PARTITION BY f.note_id, f.visitor ORDER BY f.occurred_at
                            RANGE BETWEEN UNBOUNDED PRECEDING AND :gap FOLLOWING) AS next_ord
  FROM (SELECT *, (occurred_at AT TIME ZONE 'UTC')::date AS day FROM fresh
        WHERE kind = 'view' AND NOT is_bot) f
  CROSS JOIN LATERAL (
    SELECT max(v.counted_at) AS mark, coalesce(bool_or(v.day = f.day), false) AS note_seen
    FROM analytics_visitor_days v
    WHERE v.day = ANY (ARRAY[((f.occurred_at - :window) AT TIME ZONE 'UTC')::date, f.day,
                             ((f.occurred_at + :window) AT TIME ZONE 'UTC')::date])
      AND v.visitor = f.visitor AND v.note_id = f.note_id) s
  CROSS JOIN LATERAL (
    SELECT bool_or(v.campaign_id = f.campaign_id) AS campaign_seen,
           bool_or(v.kol_id = f.kol_id) AS kol_seen
    FROM analytics_visitor_days v
    WHERE NOT s.note_seen AND v.day = f.day AND v.visitor = f.visitor) d
),
views AS (
  SELECT *, min(ord) FILTER (WHERE mark IS NULL OR occurred_at <= mark - :window
                                   OR occurred_at >= mark + :window)
              OVER (PARTITION BY note_id, visitor) AS head
  FROM marked
),
later AS (SELECT * FROM views WHERE ord > head),
counted AS (
  SELECT *, true AS first_of_day FROM views WHERE ord = head
  UNION ALL
  SELECT v.*, v.day <> c.day FROM counted c
  JOIN later v ON v.note_id = c.note_id AND v.visitor = c.visitor AND v.ord = c.next_ord
),
day_firsts AS (SELECT * FROM counted WHERE first_of_day),
new_days AS (SELECT pos FROM day_firsts WHERE NOT note_seen),
{_first_of_day("new_campaign_days", "campaign")}
{_first_of_day("new_kol_days", "kol")}
kols AS (SELECT note_id, min(kol_id) AS kol_id FROM fresh GROUP BY note_id),
"""  # noqa: S608 # nosec B608


def _statement(*, guarded: bool) -> str:
    """The writer's statement: plain inserts of the rows found missing (under the writer
    lock), or, ``guarded``, ON CONFLICT throughout."""
    ids_conflict = "ON CONFLICT (event_id) DO NOTHING" if guarded else ""
    # Guarded: only the events whose id this statement stored (another writer's are its own).
    only_new_ids = "WHERE event_id IN (SELECT event_id FROM ids)" if guarded else ""
    events_conflict = "ON CONFLICT (event_id, occurred_at) DO NOTHING" if guarded else ""
    moved = (
        "ON CONFLICT (day, visitor, note_id) DO UPDATE SET counted_at = "
        "GREATEST(analytics_visitor_days.counted_at, EXCLUDED.counted_at)"
    )
    added_conflict = moved if guarded else ""
    # Built once, at import, from the constants of this module only. PostgreSQL runs the
    # data-modifying CTEs nobody reads in the reverse of their order here, so the rollup
    # upsert, written first, runs last: the (note, hour) rows it locks are held only until the
    # commit, not while the visitor-days are written, and a second session storing the other
    # half of a chunk (rollups.store_rows) waits for them that much less. A visitor-day stored
    # already (a visitor counted again later that day) has its last counted view moved on,
    # never back.
    return f"""{_DECIDE}
ids AS (
  INSERT INTO analytics_event_ids (event_id, stored_at) SELECT event_id, now() FROM fresh
  {ids_conflict}
  RETURNING event_id
),
ins AS (
  INSERT INTO analytics_events (event_id, kind, occurred_at, note_id, contract_id, campaign_id,
    visitor, is_bot, user_id, counted, new_visitor_today, new_campaign_visitor_today,
    new_kol_visitor_today)
  SELECT event_id, kind, occurred_at, note_id, contract_id, campaign_id, visitor, is_bot, user_id,
         NOT (kind = 'view' AND NOT is_bot) OR pos IN (SELECT pos FROM counted),
         pos IN (SELECT pos FROM new_days), pos IN (SELECT pos FROM new_campaign_days),
         pos IN (SELECT pos FROM new_kol_days)
  FROM fresh {only_new_ids}
  {events_conflict}
  RETURNING event_id, kind, occurred_at, note_id, contract_id, campaign_id, visitor, is_bot,
            counted, new_visitor_today, new_campaign_visitor_today, new_kol_visitor_today
),
sums AS (
  SELECT note_id, date_trunc('hour', occurred_at, 'UTC') AS hour, min(contract_id) AS contract_id,
    min(campaign_id) AS campaign_id,
    count(*) FILTER (WHERE kind = 'view' AND NOT is_bot AND counted) AS views,
    count(*) FILTER (WHERE kind = 'view' AND NOT is_bot AND counted AND new_visitor_today) AS uniques,
    count(*) FILTER (WHERE kind = 'click' AND NOT is_bot) AS clicks,
    count(*) FILTER (WHERE kind = 'view' AND is_bot) AS bot_views,
    count(*) FILTER (WHERE kind = 'click' AND is_bot) AS bot_clicks,
    0 AS conversions, 0 AS revenue,
    count(*) FILTER (WHERE kind = 'view' AND NOT is_bot AND counted AND new_campaign_visitor_today)
      AS campaign_uniques,
    count(*) FILTER (WHERE kind = 'view' AND NOT is_bot AND counted AND new_kol_visitor_today)
      AS kol_uniques
  FROM ins GROUP BY 1, 2
),
rolled AS (
  INSERT INTO analytics_hourly (note_id, hour, contract_id, campaign_id, kol_id, views, uniques,
    clicks, bot_views, bot_clicks, conversions, revenue, campaign_uniques, kol_uniques)
  SELECT s.note_id, s.hour, s.contract_id, s.campaign_id, k.kol_id, views, uniques, clicks,
    bot_views, bot_clicks, conversions, revenue, campaign_uniques, kol_uniques
  FROM sums s JOIN kols k USING (note_id)
  WHERE views + clicks + bot_views + bot_clicks > 0
  ORDER BY s.note_id, s.hour
  ON CONFLICT (note_id, hour) DO UPDATE SET views = analytics_hourly.views + EXCLUDED.views,
    uniques = analytics_hourly.uniques + EXCLUDED.uniques,
    clicks = analytics_hourly.clicks + EXCLUDED.clicks,
    bot_views = analytics_hourly.bot_views + EXCLUDED.bot_views,
    bot_clicks = analytics_hourly.bot_clicks + EXCLUDED.bot_clicks,
    campaign_uniques = analytics_hourly.campaign_uniques + EXCLUDED.campaign_uniques,
    kol_uniques = analytics_hourly.kol_uniques + EXCLUDED.kol_uniques
),
day_marks AS (
  SELECT d.*, k.kol_id FROM (
    SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, visitor, note_id,
           min(campaign_id) AS campaign_id, max(occurred_at) AS counted_at,
           bool_or(new_visitor_today) AS added
    FROM ins WHERE kind = 'view' AND NOT is_bot AND counted GROUP BY 1, 2, 3) d
  JOIN kols k USING (note_id)
),
days_added AS (
  INSERT INTO analytics_visitor_days (day, visitor, note_id, campaign_id, kol_id, counted_at)
  SELECT day, visitor, note_id, campaign_id, kol_id, counted_at FROM day_marks WHERE added
  {added_conflict}
),
days_moved AS (
  INSERT INTO analytics_visitor_days (day, visitor, note_id, campaign_id, kol_id, counted_at)
  SELECT day, visitor, note_id, campaign_id, kol_id, counted_at FROM day_marks WHERE NOT added
  {moved}
)
SELECT count(*) FROM ins
"""  # noqa: S608 # nosec B608


_PLAIN, _GUARDED = _statement(guarded=False), _statement(guarded=True)


def ingest_rows(data: bytes, *, window: timedelta) -> int:
    """Store the events of COPY text ``data`` once each and count the new ones; returns how
    many were new. The caller holds the writer lock; flushes only (the caller commits)."""
    if not data:
        return 0
    db.session.execute(text(_PREPARE))
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        copy.write(data)
    # The next counted view is at least a window later: "later than window - 1 µs".
    params = {"window": window, "gap": window - timedelta(microseconds=1)}
    try:
        with db.session.begin_nested():
            return db.session.execute(text(_PLAIN), params).scalar_one()
    except IntegrityError:
        return db.session.execute(text(_GUARDED), params).scalar_one()
