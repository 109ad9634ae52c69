"""The SQL store: today's tables and functions in the app's database (SQLite, PostgreSQL),
behind the AnalyticsStore interface. Thin adapters only: the writing rules live in
app/analytics/rollups.py (SQLite) and pg_ingest.py (PostgreSQL), the counters in the hourly
rollups, the unique visitors in the visitor-days."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, distinct, false, func, or_, select

from app.analytics import retention, rollups
from app.analytics.models import HourlyRollup, TrackingEvent, VisitorDay
from app.analytics.store import COUNTS, Scope, click_groups
from app.extensions import db

# The dashboards' unique visitors of a scope per day, as the rollups hold them (queries.py).
_WIDE = {"campaign": "campaign_uniques", "kol": "kol_uniques"}


def _utc_day():
    """The UTC day of a rollup's hour, in SQL (SQLite stores UTC text)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(HourlyRollup.hour)
    return func.date(func.timezone("UTC", HourlyRollup.hour))


def _as_date(value) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _today() -> date:
    return datetime.now(UTC).date()


def _as_hour(value) -> datetime:
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(1), time(), UTC)


def _where(table, scope: Scope):
    """The scope on ``table``; through the rollups' notes where the table lacks its column
    (raw events have no KOL, visitor-days no contract)."""
    column = getattr(table, f"{scope.kind}_id", None)
    if column is not None:
        return column == scope.id
    notes = select(HourlyRollup.note_id).where(_where(HourlyRollup, scope))
    return table.note_id.in_(notes)


def _counters() -> list:
    column = {"uniques": "uniques"}
    return [func.coalesce(func.sum(getattr(HourlyRollup, column.get(c, c))), 0) for c in COUNTS]


class SqlStore:
    name = "sql"
    ingest_chunk = 20_000  # one COPY and one statement (rollups.store_rows)

    def ingest_rows(self, data: bytes) -> int:
        return rollups.ingest_rows(data)

    def store_rows(self, data: bytes) -> set[int]:
        return rollups.store_rows(data)  # the batch's: repeats of stored ids are few

    def daily(self, scope: Scope, start: date, end: date) -> dict[int, dict[date, dict]]:
        since, until = _bounds(start, end)
        day = _utc_day()
        rows = db.session.execute(
            select(HourlyRollup.note_id, day, *_counters())
            .where(_where(HourlyRollup, scope), HourlyRollup.hour >= since,
                   HourlyRollup.hour < until)
            .group_by(HourlyRollup.note_id, day)
        ).all()  # fmt: skip
        out: dict[int, dict[date, dict]] = defaultdict(dict)
        for note_id, d, *values in rows:
            out[note_id][_as_date(d)] = dict(zip(COUNTS, map(int, values), strict=True))
        return dict(out)

    def figures(self, scope: Scope, start: date, end: date) -> dict:
        since, until = _bounds(start, end)
        wide = getattr(HourlyRollup, _WIDE.get(scope.kind, "uniques"))
        row = db.session.execute(
            select(*_counters(), func.coalesce(func.sum(wide), 0)).where(
                _where(HourlyRollup, scope), HourlyRollup.hour >= since, HourlyRollup.hour < until
            )
        ).one()
        figures = dict(zip(COUNTS, map(int, row[:-1]), strict=True))
        figures["uniques"] = int(row[-1])
        # Exact over the period from the visitor-days (kept ANALYTICS_RETENTION_DAYS).
        figures["unique_visitors"] = db.session.scalar(
            select(func.count(distinct(VisitorDay.visitor))).where(
                _where(VisitorDay, scope), VisitorDay.day >= start, VisitorDay.day <= end
            )
        )
        return figures

    def counts(self, scope: Scope, since: datetime, until: datetime) -> dict:
        names = ("views", "clicks", "bot_views", "bot_clicks")
        row = db.session.execute(
            select(*(func.coalesce(func.sum(getattr(HourlyRollup, n)), 0) for n in names)).where(
                _where(HourlyRollup, scope),
                HourlyRollup.hour >= since.replace(minute=0, second=0, microsecond=0),
                HourlyRollup.hour < until,
            )
        ).one()
        return dict(zip(names, map(int, row), strict=True))

    def day_uniques(self, scope: Scope, start: date, end: date) -> dict[date, int]:
        since, until = _bounds(start, end)
        wide = getattr(HourlyRollup, _WIDE.get(scope.kind, "uniques"))
        day = _utc_day()
        rows = db.session.execute(
            select(day, func.sum(wide))
            .where(_where(HourlyRollup, scope), HourlyRollup.hour >= since,
                   HourlyRollup.hour < until)
            .group_by(day)
        ).all()  # fmt: skip
        return {_as_date(d): int(n) for d, n in rows if n}

    def hours(self, scope: Scope, start: date, end: date) -> dict[datetime, dict]:
        since, until = _bounds(start, end)
        wide = getattr(HourlyRollup, _WIDE.get(scope.kind, "uniques"))
        rows = db.session.execute(
            select(HourlyRollup.hour, *_counters(), func.coalesce(func.sum(wide), 0))
            .where(_where(HourlyRollup, scope), HourlyRollup.hour >= since,
                   HourlyRollup.hour < until)
            .group_by(HourlyRollup.hour)
        ).all()  # fmt: skip
        return {
            _as_hour(hour): dict(zip((*COUNTS, "scope_uniques"), map(int, values), strict=True))
            for hour, *values in rows
        }

    def campaign_days(
        self, campaign_ids: list[int], start: date | None, end: date
    ) -> dict[int, dict[date, dict]]:
        if not campaign_ids:
            return {}
        names = [c if c != "uniques" else "campaign_uniques" for c in COUNTS]
        day = _utc_day()
        query = (
            select(HourlyRollup.campaign_id, day,
                   *(func.coalesce(func.sum(getattr(HourlyRollup, n)), 0) for n in names))
            .where(HourlyRollup.campaign_id.in_(campaign_ids),
                   HourlyRollup.hour < _bounds(end, end)[1])
            .group_by(HourlyRollup.campaign_id, day)
        )  # fmt: skip
        if start is not None:
            query = query.where(HourlyRollup.hour >= _bounds(start, start)[0])
        out: dict[int, dict[date, dict]] = defaultdict(dict)
        for campaign_id, d, *values in db.session.execute(query).all():
            out[campaign_id][_as_date(d)] = dict(zip(COUNTS, map(int, values), strict=True))
        return dict(out)

    def visitor_notes(self, visitor: str, start: date, limit: int) -> list[tuple[int, date]]:
        # the visitor-day key starts with the day: each day one index probe
        days = [start + timedelta(days=n) for n in range((_today() - start).days + 1)]
        last = func.max(VisitorDay.day)
        rows = db.session.execute(
            select(VisitorDay.note_id, last)
            .where(VisitorDay.day.in_(days), VisitorDay.visitor == visitor)
            .group_by(VisitorDay.note_id)
            .order_by(last.desc(), VisitorDay.note_id.desc())
            .limit(limit)
        ).all()
        return [(note_id, _as_date(day)) for note_id, day in rows]

    def note_hours(self, since: datetime, until: datetime) -> dict[int, dict[datetime, dict]]:
        r = HourlyRollup
        views, clicks = func.coalesce(func.sum(r.views), 0), func.coalesce(func.sum(r.clicks), 0)
        rows = db.session.execute(
            select(r.note_id, r.hour, views, clicks)
            .where(r.hour >= since, r.hour <= until)
            .group_by(r.note_id, r.hour)
            .having(or_(views > 0, clicks > 0))
        ).all()
        out: dict[int, dict[datetime, dict]] = defaultdict(dict)
        for note_id, hour, v, c in rows:
            out[note_id][_as_hour(hour)] = {"views": int(v), "clicks": int(c)}
        return dict(out)

    def signed_in_views(self) -> list[tuple[int, int, datetime]]:
        e = TrackingEvent
        rows = db.session.execute(
            select(e.user_id, e.note_id, func.max(e.occurred_at))
            .where(e.kind == "view", e.user_id.is_not(None), e.is_bot == false(), e.counted)
            .group_by(e.user_id, e.note_id)
        ).all()
        return [(user, note, _as_hour(at)) for user, note, at in rows]

    def clicks(self, click_ids: list[str]) -> dict[str, dict]:
        if not click_ids:
            return {}
        # One statement; each group bounded by the times its ids carry, so that PostgreSQL
        # reads the month partitions of those times only (partition pruning of an OR).
        e = TrackingEvent
        wanted = [
            e.event_id.in_(g.ids) if g.since is None else
            and_(e.event_id.in_(g.ids), e.occurred_at >= g.since, e.occurred_at < g.until)
            for g in click_groups(click_ids)
        ]  # fmt: skip
        rows = db.session.execute(
            select(e.event_id, e.is_bot, e.user_id, e.note_id).where(
                or_(*wanted), e.kind == "click"
            )
        ).all()
        return {e: {"is_bot": bool(b), "user_id": u, "note_id": n} for e, b, u, n in rows}

    def raw_events(self, scope: Scope) -> int:
        return db.session.scalar(
            select(func.count()).select_from(TrackingEvent).where(_where(TrackingEvent, scope))
        )

    def prune(self, *, days: int | None = None) -> int:
        days = days or current_app.config["ANALYTICS_RETENTION_DAYS"]
        return retention.prune_raw_events(days=days).rows
