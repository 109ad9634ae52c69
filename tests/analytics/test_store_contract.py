"""The analytics store's contract: the same assertions for every engine, the SQL store (the
run's database: SQLite, or PostgreSQL with DATABASE_URL) and the ClickHouse store (run by chdb,
the ClickHouse engine in process). Events go in as the writer's batch (COPY rows); figures come
out as the dashboards read them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from app.analytics.event_rows import encode_rows
from app.analytics.store import Scope
from app.analytics.store.sql import SqlStore
from app.analytics.tracking import new_click_id
from app.auth.models import User
from app.extensions import db
from tests.analytics.rules import MIDNIGHT, at, expected_flags
from tests.analytics.support import campaign_for, event, published_note, random_drains
from tests.factories import make_kol

A, B, C = "a" * 32, "b" * 32, "c" * 32
NOON = datetime.combine(datetime.now(UTC).date() - timedelta(days=2), datetime.min.time(), UTC)
NOON += timedelta(hours=12)
DAY = NOON.date()


def minutes(m: float) -> float:
    return (NOON + timedelta(minutes=m)).timestamp()


# The ClickHouse store (chdb, in process) holds its own data whatever the suite's database: its
# half of the contract runs on the SQLite pass only (conftest `once`).
@pytest.fixture(params=["sql", pytest.param("clickhouse", marks=pytest.mark.once)])
def store(request):
    if request.param == "sql":
        return SqlStore()
    return request.getfixturevalue("clickhouse_store")


def ingest(store, events: list[dict]) -> int:
    return store.ingest_rows(encode_rows(events))


def test_a_repeat_view_within_the_window_is_kept_but_not_counted(store):
    note = published_note()
    views = [
        event(note, visitor=A, at=minutes(0)),
        event(note, visitor=A, at=minutes(10)),  # a repeat
        event(note, visitor=A, at=minutes(30)),  # 30 minutes on the dot: counted
        event(note, visitor=A, at=minutes(45)),  # a repeat of that one
    ]
    assert ingest(store, views) == 4
    assert ingest(store, views) == 0  # a replayed batch changes nothing
    figures = store.figures(Scope("note", note.id), DAY, DAY)
    assert (figures["views"], figures["uniques"], figures["unique_visitors"]) == (2, 1, 1)
    assert store.raw_events(Scope("note", note.id)) == 4


def test_the_writers_step_names_the_campaigns_whose_figures_moved(store):
    """``store_rows`` (the writer's step) answers the campaigns of the events it stored: their
    brands' pages of figures are rebuilt (app/stamps.py); a store may name more, never fewer."""
    first, second = published_note(campaign_for()), published_note(campaign_for())
    batch = encode_rows([event(first, visitor=A, at=minutes(0)),
                         event(second, "click", visitor=B, at=minutes(1))])  # fmt: skip
    assert store.store_rows(batch) >= {first.campaign_id, second.campaign_id}
    figures = store.figures(Scope("campaign", second.campaign_id), DAY, DAY)
    assert figures["clicks"] == 1
    if store.name == "clickhouse":  # it counts what was new: a replay moves nothing
        assert store.store_rows(batch) == set()


def test_the_window_reaches_either_side_of_a_stored_view_across_batches(store):
    note = published_note()
    ingest(store, [event(note, visitor=A, at=minutes(60))])
    ingest(store, [event(note, visitor=A, at=minutes(45))])  # 15 minutes before it: a repeat
    ingest(store, [event(note, visitor=A, at=minutes(85))])  # 25 minutes after: a repeat
    ingest(store, [event(note, visitor=A, at=minutes(90))])  # 30 minutes after: counted
    ingest(store, [event(note, visitor=B, at=minutes(61))])  # another visitor: counted
    assert store.figures(Scope("note", note.id), DAY, DAY)["views"] == 3


def test_unique_visitors_over_a_period_are_distinct_never_a_sum_of_days(store):
    campaign = campaign_for()
    note, sibling = published_note(campaign), published_note(campaign)
    day_before = -24 * 60
    ingest(store, [
        event(note, visitor=A, at=minutes(day_before)),
        event(note, visitor=A, at=minutes(0)),
        event(sibling, visitor=A, at=minutes(5)),  # the campaign's other note: same visitor
        event(sibling, visitor=B, at=minutes(6)),
    ])  # fmt: skip
    start = DAY - timedelta(days=1)
    figures = store.figures(Scope("campaign", campaign.id), start, DAY)
    assert figures["views"] == 4
    assert figures["unique_visitors"] == 2  # A and B, over the two days
    assert figures["uniques"] == 3  # the dashboards' daily uniques: A, then A and B
    daily = store.daily(Scope("campaign", campaign.id), start, DAY)
    assert {d: c["uniques"] for d, c in daily[note.id].items()} == {start: 1, DAY: 1}
    assert daily[sibling.id][DAY]["uniques"] == 2


def test_bots_are_kept_and_flagged_never_counted(store):
    note = published_note()
    ingest(store, [
        event(note, visitor=C, at=minutes(0), bot=True),
        event(note, visitor=C, at=minutes(1), bot=True),
        event(note, "click", visitor=C, at=minutes(2), bot=True),
        event(note, visitor=A, at=minutes(3)),
        event(note, "click", visitor=A, at=minutes(4)),
    ])  # fmt: skip
    figures = store.figures(Scope("note", note.id), DAY, DAY)
    assert figures == {"views": 1, "clicks": 1, "bot_views": 2, "bot_clicks": 1,
                       "uniques": 1, "unique_visitors": 1}  # fmt: skip
    assert store.raw_events(Scope("note", note.id)) == 5


def test_clicks_are_read_back_by_id_for_attribution_and_settlement(app, store):
    note = published_note()
    human, robot = new_click_id(note.id, minutes(0)), new_click_id(note.id, minutes(1))
    ingest(store, [
        event(note, "click", visitor=A, at=minutes(0), event_id=human),
        event(note, "click", visitor=C, at=minutes(1), event_id=robot, bot=True),
        event(note, visitor=A, at=minutes(2), event_id="a-view"),
    ])  # fmt: skip
    clicks = store.clicks([human, robot, "a-view", "never-seen"])
    assert set(clicks) == {human, robot}  # views and unknown ids are no clicks
    assert (clicks[human]["is_bot"], clicks[robot]["is_bot"]) == (False, True)
    assert clicks[human]["note_id"] == note.id


def test_rollups_answer_for_a_contract_a_campaign_and_a_kol(store):
    campaign = campaign_for()
    note, sibling = published_note(campaign), published_note(campaign)
    kol = db.session.get(User, note.kol_id)
    elsewhere = published_note(kol=kol)  # the same KOL in another campaign
    ingest(store, [
        event(note, visitor=A, at=minutes(0)),
        event(note, "click", visitor=A, at=minutes(1)),
        event(sibling, visitor=B, at=minutes(2)),
        event(elsewhere, visitor=A, at=minutes(70)),
    ])  # fmt: skip
    figures = {
        scope.kind: store.figures(scope, DAY, DAY)
        for scope in (Scope("contract", note.contract_id), Scope("campaign", campaign.id),
                      Scope("kol", kol.id))
    }  # fmt: skip
    assert (figures["contract"]["views"], figures["contract"]["clicks"]) == (1, 1)
    assert (figures["campaign"]["views"], figures["campaign"]["uniques"]) == (2, 2)
    assert (figures["kol"]["views"], figures["kol"]["uniques"]) == (2, 1)  # A on two notes
    daily = store.daily(Scope("campaign", campaign.id), DAY, DAY)
    assert {n: d[DAY]["views"] for n, d in daily.items()} == {note.id: 1, sibling.id: 1}


def test_a_period_outside_the_events_reads_zero(store):
    note = published_note()
    ingest(store, [event(note, visitor=A, at=minutes(0))])
    later = DAY + timedelta(days=1)
    assert store.figures(Scope("note", note.id), later, later)["views"] == 0
    assert store.daily(Scope("note", note.id), later, later) == {}


def test_retention_drops_old_raw_events_and_keeps_the_rollups(store):
    note = published_note()
    old = datetime.now(UTC) - timedelta(days=10)
    ingest(store, [
        event(note, visitor=A, at=old.timestamp()),
        event(note, visitor=A, at=minutes(0)),
        event(note, visitor=B, at=minutes(0)),
    ])  # fmt: skip
    assert store.prune(days=5) == 1
    assert store.raw_events(Scope("note", note.id)) == 2
    assert store.figures(Scope("note", note.id), old.date(), old.date())["views"] == 1
    assert store.prune(days=5) == 0


@pytest.mark.parametrize("seed", range(3))
def test_random_traffic_gives_the_counts_of_the_dedupe_rules(store, seed):
    rng = random.Random(seed)
    campaign, kol = campaign_for(), make_kol(verified=True)
    notes = [published_note(campaign, kol), published_note(campaign), published_note(kol=kol)]
    visitors = [f"{v:032x}" for v in range(3)]
    drains = random_drains(
        rng, notes, visitors, sizes=(5, 40), when=lambda r: at(r.randrange(-180, 180))
    )
    for events in drains:
        ingest(store, events)
    first = {}
    for e in (e for events in drains for e in events):
        first.setdefault(e["id"], e)
    views, uniques = Counter(), Counter()
    for event_id, (counted, new_today, _campaign, _kol) in expected_flags(drains).items():
        e = first[event_id]
        if e["k"] == "view" and not e["b"] and counted:
            key = (e["n"], datetime.fromtimestamp(e["t"], UTC).date())
            views[key] += 1
            uniques[key] += new_today
    days = MIDNIGHT.date() - timedelta(days=1), MIDNIGHT.date()
    found_views, found_uniques = Counter(), Counter()
    for note in notes:
        for day, counts in store.daily(Scope("note", note.id), *days).get(note.id, {}).items():
            found_views[(note.id, day)] += counts["views"]
            found_uniques[(note.id, day)] += counts["uniques"]
    assert +found_views == +views
    assert +found_uniques == +uniques


def test_counts_of_hours_feed_a_contracts_bonus_threshold(store):
    note = published_note()
    ingest(store, [
        event(note, visitor=A, at=minutes(-61)),  # 10:59: before the hours asked for
        event(note, visitor=B, at=minutes(-30)),
        event(note, "click", visitor=B, at=minutes(-29)),
        event(note, visitor=C, at=minutes(-20), bot=True),
        event(note, visitor=A, at=minutes(5)),  # 12:05: the hour of ``until``, not counted
    ])  # fmt: skip
    since, until = NOON - timedelta(minutes=45), NOON  # from 11:15: the whole 11:00 hour
    counts = store.counts(Scope("contract", note.contract_id), since, until)
    assert counts == {"views": 1, "clicks": 1, "bot_views": 1, "bot_clicks": 0}


def test_hours_give_the_hourly_chart_with_each_visitor_new_once_a_day(store):
    """The hourly chart: counts per hour, and a visitor's uniques in the hour of their first
    counted view of the day (per note, and across a campaign's notes), never once per hour."""
    campaign = campaign_for()
    note, sibling = published_note(campaign), published_note(campaign)
    ingest(store, [
        event(note, visitor=A, at=minutes(5)),  # 12:05
        event(note, "click", visitor=A, at=minutes(6)),
        event(note, visitor=A, at=minutes(65)),  # 13:05: counted again, not a new visitor
        event(sibling, visitor=A, at=minutes(70)),  # new to the sibling, not to the campaign
        event(sibling, visitor=B, at=minutes(75)),
        event(note, visitor=C, at=minutes(80), bot=True),
        event(note, visitor=A, at=minutes(-13 * 60 + 5)),  # 23:05 the day before
    ])  # fmt: skip
    at = {h: NOON + timedelta(hours=h) for h in (0, 1)}
    hours = store.hours(Scope("campaign", campaign.id), DAY - timedelta(days=1), DAY)
    assert hours[at[0]] == {"views": 1, "clicks": 1, "bot_views": 0, "bot_clicks": 0,
                            "uniques": 1, "scope_uniques": 1}  # fmt: skip
    assert hours[at[1]] == {"views": 3, "clicks": 0, "bot_views": 1, "bot_clicks": 0,
                            "uniques": 2, "scope_uniques": 1}  # fmt: skip
    before = NOON - timedelta(hours=13)
    assert (hours[before]["views"], hours[before]["scope_uniques"]) == (1, 1)
    assert sum(h["views"] for h in hours.values()) == 5
    on_note = store.hours(Scope("note", note.id), DAY, DAY)
    assert [(h.hour, c["views"], c["uniques"], c["scope_uniques"])
            for h, c in sorted(on_note.items())] == [(12, 1, 1, 1), (13, 1, 0, 0)]  # fmt: skip
    assert store.hours(Scope("note", note.id), DAY + timedelta(days=1), DAY + timedelta(1)) == {}


def test_campaign_days_answer_the_brands_campaign_list(store):
    """Per campaign per day, uniques distinct across the campaign's notes; ``start`` None
    reads from the first day (the workbench's lifetime figures)."""
    campaign, other = campaign_for(), campaign_for()
    note, sibling, elsewhere = (
        published_note(campaign),
        published_note(campaign),
        published_note(other),
    )
    ingest(store, [
        event(note, visitor=A, at=minutes(0)),
        event(sibling, visitor=A, at=minutes(1)),
        event(sibling, "click", visitor=A, at=minutes(2)),
        event(note, visitor=B, at=minutes(-24 * 60)),
        event(elsewhere, visitor=C, at=minutes(3), bot=True),
    ])  # fmt: skip
    days = store.campaign_days([campaign.id, other.id], DAY, DAY)
    assert days[campaign.id] == {DAY: {"views": 2, "clicks": 1, "bot_views": 0, "bot_clicks": 0,
                                       "uniques": 1}}  # fmt: skip
    assert days[other.id][DAY]["bot_views"] == 1
    lifetime = store.campaign_days([campaign.id], None, DAY)
    assert {d: c["views"] for d, c in lifetime[campaign.id].items()} == {
        DAY - timedelta(days=1): 1,
        DAY: 2,
    }
    assert store.campaign_days([], None, DAY) == {}


def test_clicks_of_any_month_kept_are_read_back_by_id(app, store):
    """The lookup reads only the months the ids carry (tests/analytics/test_partitions.py shows
    the pruning on PostgreSQL): clicks of several notes and months, and an id with no time in
    it (a batch sender's own id), are all found."""
    note, other = published_note(), published_note()
    now = datetime.now(UTC)
    times = [(now - timedelta(days=d)).timestamp() for d in (70, 35, 0)]
    made = [(n, new_click_id(n.id, t), t) for t in times for n in (note, other)]
    ingest(store, [event(n, "click", visitor=A, at=t, event_id=i) for n, i, t in made]
           + [event(note, "click", visitor=B, at=times[1], event_id="sender-click-0001")])  # fmt: skip
    forged = new_click_id(note.id, times[0] - 40 * 86400)  # an id telling another time
    clicks = store.clicks([i for _n, i, _t in made] + ["sender-click-0001", forged])
    assert set(clicks) == {i for _n, i, _t in made} | {"sender-click-0001"}
    assert {clicks[i]["note_id"] for _n, i, _t in made} == {note.id, other.id}


def test_a_visitors_notes_are_the_counted_views_latest_first(store):
    """Signed-out *For you* starts from the notes the visitor's cookie read: human, counted
    views only, latest day first, within the days asked for and at most ``limit``."""
    first, second, third, botted = (published_note() for _ in range(4))
    ingest(store, [
        event(first, visitor=A, at=minutes(-48 * 60)),
        event(second, visitor=A, at=minutes(-24 * 60)),
        event(first, visitor=A, at=minutes(0)),  # read again: its last day moves
        event(third, visitor=A, at=minutes(-5 * 24 * 60)),  # before the days asked for
        event(botted, visitor=A, at=minutes(1), bot=True),
        event(second, visitor=B, at=minutes(2)),
    ])  # fmt: skip
    start = DAY - timedelta(days=3)
    assert store.visitor_notes(A, start, 10) == [(first.id, DAY),
                                                 (second.id, DAY - timedelta(days=1))]  # fmt: skip
    assert store.visitor_notes(A, start, 1) == [(first.id, DAY)]
    assert store.visitor_notes(C, start, 10) == []


def test_note_hours_give_trending_the_traffic_of_every_note(store):
    """Trending's traffic (app/notes/trending.py): counted views and human clicks per note per
    hour of the hours asked for, across campaigns; repeats and robots never, an hour outside
    the range never, a note without any traffic there not at all."""
    note, other, quiet = published_note(), published_note(), published_note()
    ingest(store, [
        event(note, visitor=A, at=minutes(5)),  # 12:05
        event(note, visitor=A, at=minutes(10)),  # a repeat
        event(note, "click", visitor=A, at=minutes(11)),
        event(note, visitor=B, at=minutes(65)),  # 13:05
        event(other, visitor=C, at=minutes(-60)),  # 11:00
        event(other, "click", visitor=C, at=minutes(-59), bot=True),
        event(quiet, visitor=C, at=minutes(0), bot=True),
        event(note, visitor=C, at=minutes(-120)),  # 10:00: before the hours asked for
    ])  # fmt: skip
    hour = {h: NOON + timedelta(hours=h) for h in (-1, 0, 1)}
    found = store.note_hours(NOON - timedelta(minutes=90), NOON + timedelta(hours=1))
    assert found == {
        note.id: {hour[0]: {"views": 1, "clicks": 1}, hour[1]: {"views": 1, "clicks": 0}},
        other.id: {hour[-1]: {"views": 1, "clicks": 0}},
    }
    assert store.note_hours(NOON + timedelta(hours=2), NOON + timedelta(hours=3)) == {}


def test_signed_in_views_give_the_recommender_each_persons_last_counted_view(store):
    """The recommender's view rows (app/recommend/sources.py): per signed-in person and note
    the time of their last counted human view; anonymous views, robots and repeats never."""
    note, other = published_note(), published_note()
    shopper, robot = make_kol(), make_kol()  # any two accounts
    ingest(store, [
        {**event(note, visitor=A, at=minutes(0)), "uid": shopper.id},
        {**event(note, visitor=A, at=minutes(10)), "uid": shopper.id},  # a repeat
        {**event(note, visitor=A, at=minutes(40)), "uid": shopper.id},  # counted: the last
        {**event(other, visitor=A, at=minutes(-90)), "uid": shopper.id},
        {**event(other, visitor=C, at=minutes(0), bot=True), "uid": robot.id},
        event(other, visitor=B, at=minutes(1)),  # signed out
    ])  # fmt: skip
    found = sorted((u, n, at.timestamp()) for u, n, at in store.signed_in_views())
    assert found == sorted([(shopper.id, note.id, minutes(40)),
                            (shopper.id, other.id, minutes(-90))])  # fmt: skip
    assert all(at.tzinfo is not None for _u, _n, at in store.signed_in_views())


def test_a_clickhouse_store_made_before_the_daily_rollup_gets_its_days_from_the_hours(
    clickhouse_store, chdb_transport
):
    """Whole-day reads come from ``kol_analytics.daily``; a store whose data predates that
    table (hourly rows only) fills it from the hours when it first starts with it."""
    from app.analytics.store.clickhouse import ClickHouseStore

    campaign = campaign_for()
    note, sibling = published_note(campaign), published_note(campaign)
    ingest(clickhouse_store, [
        event(note, visitor=A, at=minutes(-24 * 60)),
        event(note, visitor=A, at=minutes(0)),
        event(sibling, visitor=B, at=minutes(6)),
        event(note, "click", visitor=B, at=minutes(7)),
    ])  # fmt: skip
    scope, start = Scope("campaign", campaign.id), DAY - timedelta(days=1)
    before = clickhouse_store.figures(scope, start, DAY), clickhouse_store.daily(scope, start, DAY)
    chdb_transport.command("DROP VIEW kol_analytics.daily_mv")
    chdb_transport.command("DROP TABLE kol_analytics.daily")

    restarted = ClickHouseStore(chdb_transport, window_minutes=30, retention_days=90)
    after = restarted.figures(scope, start, DAY), restarted.daily(scope, start, DAY)
    assert after == before
    assert after[0]["views"] == 3 and after[0]["clicks"] == 1
    assert (after[0]["unique_visitors"], after[0]["uniques"]) == (2, 3)
