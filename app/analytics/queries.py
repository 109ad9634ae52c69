"""Dashboard numbers, read from the hourly rollups only (plus conversions and spend, which are
small tables). The pages, the CSV export and the stats API all call ``stats_for``; the ratios and
costs derived from the counters are in metrics.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.analytics.flags import BASELINE_DAYS, note_flags
from app.analytics.metrics import SUMMED, derived
from app.analytics.models import HourlyRollup
from app.analytics.orders import converted_clicks_by_campaign, orders_by_note
from app.analytics.spend import money_by_contract
from app.analytics.store import COUNTS
from app.analytics.store.dashboard import (
    campaign_traffic,
    scope_of,
    with_store_hours,
    with_store_traffic,
)
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.errors import NotFound
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.profiles.models import KolProfile
from app.replica import read

MAX_DAYS = 366
HOURLY_MAX_DAYS = 14


@dataclass
class Range:
    start: date
    end: date  # inclusive
    granularity: str  # hour | day

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def buckets(self) -> list[datetime]:
        step = timedelta(hours=1) if self.granularity == "hour" else timedelta(days=1)
        out, at = [], self.since
        while at < self.until:
            out.append(at)
            at += step
        return out


def parse_range(args) -> Range:
    """from/to (YYYY-MM-DD, default the last 30 days) and granularity from a page's query
    string; bad values fall back to the defaults."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    return make_range(day("from"), day("to"), args.get("granularity"))


def make_range(start: date | None, end: date | None, granularity: str | None) -> Range:
    """The range shown: at most MAX_DAYS, ending no later than tomorrow (default the last 30
    days); hourly only when asked for (or the span is two days or less) and short enough."""
    today = datetime.now(UTC).date()
    end = min(end or today, today + timedelta(days=1))
    start = start or end - timedelta(days=29)
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS - 1))
    span = (end - start).days + 1
    wanted = granularity if granularity in ("hour", "day") else ("hour" if span <= 2 else "day")
    if wanted == "hour" and span > HOURLY_MAX_DAYS:
        wanted = "day"
    return Range(start, end, wanted)


def _sums() -> list:
    """SUM(counter) AS counter for every summed rollup column."""
    return [func.coalesce(func.sum(getattr(HourlyRollup, c)), 0).label(c) for c in SUMMED]


def campaign_wide(row: dict) -> dict:
    """Counters of a whole campaign: unique visitors distinct across its notes per day."""
    return {**row, "uniques": int(row.get("campaign_uniques") or 0)}


def kol_wide(row: dict) -> dict:
    """Counters of all a KOL's notes (the media kit): unique visitors distinct across them per
    day. Hours rolled up before kol_uniques existed hold their per-note uniques there (copied
    by migration 0010, as 0006 did for campaign_uniques) rather than a fallback here: "views
    but no kol_uniques" is also an hour whose visitors had all read another of the KOL's
    notes earlier that day, which a read-time fallback would count again."""
    return {**row, "uniques": int(row.get("kol_uniques") or 0)}


def _utc_day():
    if _is_sqlite():
        return func.date(HourlyRollup.hour)
    return func.date(func.timezone("UTC", HourlyRollup.hour))


def _as_date(value) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def _daily(scope, rng: Range) -> dict[int, dict[date, tuple]]:
    """Every counter per note per UTC day, from BASELINE_DAYS before the range to its end: one
    grouped read that gives the per-note table, the daily series and the spike baselines."""
    cols = _sums()
    day = _utc_day()
    rows = read(
        select(HourlyRollup.note_id, day.label("day"), *cols)
        .where(
            scope,
            HourlyRollup.hour >= rng.since - timedelta(days=BASELINE_DAYS),
            HourlyRollup.hour < rng.until,
        )
        .group_by(HourlyRollup.note_id, day)
    ).all()
    daily: dict[int, dict[date, tuple]] = defaultdict(dict)
    for note_id, d, *values in rows:
        daily[note_id][_as_date(d)] = tuple(map(int, values))  # COALESCE: never NULL
    return daily


def _add(acc: list[int], values: tuple) -> None:
    for i, value in enumerate(values):
        acc[i] += value


def _column_sums(rows: list[tuple]) -> list[int]:
    """Each counter summed over ``rows`` (column by column, in C: a 10M-event campaign's
    dashboard sums a few thousand note-days per read)."""
    return [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * len(SUMMED)


def _per_note(daily: dict[int, dict[date, tuple]], rng: Range) -> dict[int, dict]:
    out = {}
    for note_id, by_day in daily.items():
        rows = [values for d, values in by_day.items() if rng.start <= d <= rng.end]
        out[note_id] = dict(zip(SUMMED, _column_sums(rows), strict=True))
    return out


def _series(scope, rng: Range, daily, converted_at: dict, *, wide=None, store_scope=None):
    """Daily buckets from ``daily``; hourly ones (ranges of at most HOURLY_MAX_DAYS) read, their
    traffic from the analytics store (``store_scope``). ``converted_at``: the converted clicks
    per bucket; ``wide``: campaign_wide or kol_wide, for the uniques of the whole scope."""
    buckets = {b: [0] * len(SUMMED) for b in rng.buckets()}
    if rng.granularity == "hour":
        cols = _sums()
        rows = read(
            select(HourlyRollup.hour, *cols)
            .where(scope, HourlyRollup.hour >= rng.since, HourlyRollup.hour < rng.until)
            .group_by(HourlyRollup.hour)
        ).all()
        hours: dict[datetime, list[int]] = {}
        for hour, *values in rows:
            key = hour if hour.tzinfo else hour.replace(tzinfo=UTC)
            _add(hours.setdefault(key, [0] * len(SUMMED)), tuple(int(v or 0) for v in values))
        for key, values in with_store_hours(hours, store_scope, rng.start, rng.end).items():
            _add(buckets.setdefault(key, [0] * len(SUMMED)), tuple(values))
    else:
        of_day: dict[date, list[tuple]] = defaultdict(list)
        for by_day in daily.values():
            for d, values in by_day.items():
                if rng.start <= d <= rng.end:
                    of_day[d].append(values)
        for d, rows in of_day.items():
            key = datetime.combine(d, time(), UTC)
            _add(buckets.setdefault(key, [0] * len(SUMMED)), _column_sums(rows))
    series = []
    for at, acc in sorted(buckets.items()):
        values = dict(zip(SUMMED, acc, strict=True), converted_clicks=converted_at.get(at, 0))
        if wide is not None:
            values = wide(values)
        series.append({"at": at, **derived(values, None)})
    return series


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def stats_for(*, campaign_id: int | None = None, kol_id: int | None = None,
              note_id: int | None = None, contract_id: int | None = None,
              rng: Range, with_money: bool = True) -> dict:  # fmt: skip
    """Totals, a time series and a per-note table for one scope (a constant number of
    queries whatever the number of notes or events)."""
    # Uniques distinct across the scope's notes per day (wide), for a campaign and for a KOL's
    # notes (the media kit); a contract has one note: its uniques are exact.
    wide = None
    if campaign_id is not None:
        scope, note_filter = (
            HourlyRollup.campaign_id == campaign_id,
            Note.campaign_id == campaign_id,
        )
        wide = campaign_wide
    elif contract_id is not None:
        scope, note_filter = (
            HourlyRollup.contract_id == contract_id,
            Note.contract_id == contract_id,
        )
    elif note_id is not None:
        scope, note_filter = HourlyRollup.note_id == note_id, Note.id == note_id
    else:
        scope, note_filter = HourlyRollup.kol_id == kol_id, Note.kol_id == kol_id
        wide = kol_wide
    notes = read(
        select(Note.id, Note.title, Note.slug, Note.contract_id, Note.kol_id, Note.status,
               Note.tracking_code, Note.campaign_id, KolProfile.display_name)
        .outerjoin(KolProfile, KolProfile.user_id == Note.kol_id)
        .where(note_filter)
        .order_by(Note.id)
    ).all()  # fmt: skip
    store_scope = scope_of(
        campaign_id=campaign_id, contract_id=contract_id, note_id=note_id, kol_id=kol_id
    )
    daily = with_store_traffic(
        _daily(scope, rng),
        store_scope,
        rng.start - timedelta(days=BASELINE_DAYS),
        rng.end,
    )  # the traffic of ANALYTICS_STORE (app/analytics/store/dashboard.py)
    sums = _per_note(daily, rng)
    money = money_by_contract([n.contract_id for n in notes]) if with_money else {}
    spend = {cid: spend for cid, (spend, _c) in money.items()}
    commission = {cid: paid for cid, (_s, paid) in money.items()}
    orders = orders_by_note([n.id for n in notes], rng.since, rng.until, rng.granularity)
    table, totals = [], dict.fromkeys((*SUMMED, "converted_clicks"), 0)
    for n in notes:
        counters = sums.get(n.id, {}) | {"converted_clicks": orders.converted_clicks.get(n.id, 0)}
        for c in totals:
            totals[c] += int(counters.get(c) or 0)
        row = derived(counters, spend.get(n.contract_id, 0) if with_money else None)
        row.update(note_id=n.id, title=n.title or "", slug=n.slug, kol=n.display_name or "",
                   kol_id=n.kol_id, contract_id=n.contract_id, campaign_id=n.campaign_id,
                   status=str(n.status.value if hasattr(n.status, "value") else n.status),
                   tracking_code=n.tracking_code)  # fmt: skip
        row["commission"] = commission.get(n.contract_id, 0) if with_money else None
        table.append(row)
    total_spend = sum(spend.values()) if with_money else None
    note_uniques = totals["uniques"]
    if wide is not None:
        totals = wide(totals)
    waiting = orders.unconfirmed
    for row in table:
        row["unconfirmed_conversions"], row["unconfirmed_revenue"] = waiting.get(
            row["note_id"], (0, 0)
        )
    per_note = {r["note_id"]: r for r in table}
    flags = note_flags(daily, rng.start, rng.end, per_note)
    for row in table:
        row["flags"] = flags.get(row["note_id"], [])
    return {
        "range": {
            "from": rng.start.isoformat(),
            "to": rng.end.isoformat(),
            "granularity": rng.granularity,
        },
        "totals": derived(totals, total_spend)
        | {
            "note_uniques": note_uniques,
            "unconfirmed_conversions": sum(count for count, _value in waiting.values()),
            "unconfirmed_revenue": sum(value for _count, value in waiting.values()),
            "commission": sum(commission.values()) if with_money else None,
        },
        "series": _series(
            scope, rng, daily, orders.converted_at, wide=wide, store_scope=store_scope
        ),
        "notes": table,
    }


def brand_campaign(*, brand_id: int, campaign_id: int) -> Campaign:
    # Its targets (niches, tiers …) are not on the dashboards: not loaded with it.
    campaign = db.session.get(Campaign, campaign_id, options=[lazyload(Campaign.targets)])
    if campaign is None or campaign.brand_id != brand_id:
        raise NotFound("No such campaign.")
    return campaign


def brand_overview(brand_id: int, rng: Range) -> list[dict]:
    """Each of the brand's campaigns with its totals in the range (three queries)."""
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.brand_id == brand_id)
        .order_by(Campaign.id.desc())
        .options(lazyload(Campaign.targets))  # the overview shows none: no second query
    ).all()
    ids = [c.id for c in campaigns]
    cols = _sums()
    sums = {
        r.campaign_id: r._asdict()
        for r in read(
            select(HourlyRollup.campaign_id, *cols)
            .where(HourlyRollup.campaign_id.in_(ids or [0]),
                   HourlyRollup.hour >= rng.since, HourlyRollup.hour < rng.until)
            .group_by(HourlyRollup.campaign_id)
        )
    }  # fmt: skip
    traffic = campaign_traffic(ids, rng.start, rng.end)  # the store's, unless SQL
    if traffic is not None:
        for campaign_id in ids:
            row = sums.setdefault(campaign_id, {})
            days = traffic.get(campaign_id, {}).values()
            for name in COUNTS:
                row[name] = sum(counts[name] for counts in days)
            row["campaign_uniques"] = row["uniques"]  # distinct across the campaign per day
    converted = converted_clicks_by_campaign(ids, rng.since, rng.until)
    return [
        {"campaign": c, **derived(
            campaign_wide(sums.get(c.id, {}) | {"converted_clicks": converted.get(c.id, 0)}),
            None,
        )}
        for c in campaigns
    ]  # fmt: skip


def readable_note(*, note_id: int, user) -> Note:
    """A note its brand or its KOL may see stats of; others get 404. A draft is its KOL's
    alone until submitted (as on ``GET /api/v1/notes/<id>``)."""
    note = db.session.get(Note, note_id)
    if note is None or user.id not in (note.brand_id, note.kol_id):
        raise NotFound("No such note.")
    if user.id != note.kol_id and note.status == NoteStatus.DRAFT:
        raise NotFound("No such note.")
    return note


def readable_contract(*, contract_id: int, user) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or user.id not in (contract.brand_id, contract.kol_id):
        raise NotFound("No such contract.")
    return contract
