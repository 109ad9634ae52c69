"""Media-kit unique visitors are distinct across the KOL's notes per day (one visitor reading
two of their notes counts once), on the page and through a share link; each note's row keeps
its own uniques. Bots never count, a replayed or re-drained batch counts nothing twice, and the
number equals a COUNT(DISTINCT visitor) per day over the raw events."""

import random
import re
import secrets
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app import create_app
from app.analytics import media_kit, pipeline, queries, retention, rollups
from app.analytics.models import TrackingEvent, VisitorDay
from app.db_types import TZDateTime
from app.extensions import db
from app.notes.models import Note
from tests.analytics.support import (
    campaign_for,
    crash_after_ingest,
    event,
    fail_acks,
    published_note,
    random_drains,
)
from tests.conftest import sign_in
from tests.factories import make_kol

READER, OTHER_READER, CRAWLER = "b" * 32, "c" * 32, "d" * 32
UNIQUES_RE = re.compile(r"<dt>Unique visitors</dt><dd>(\d+)</dd>")


def _at(days_ago: int, minutes: float = 12 * 60) -> float:
    """Epoch seconds ``minutes`` after the midnight ``days_ago`` days ago (UTC)."""
    midnight = datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago),
                                datetime.min.time(), UTC)  # fmt: skip
    return (midnight + timedelta(minutes=minutes)).timestamp()


def _kol_with_two_notes():
    """A KOL with a note in each of two campaigns (campaign uniques cannot join them)."""
    kol = make_kol(verified=True)
    return kol, [published_note(kol=kol), published_note(kol=kol)]


def _media_kit(kol_id: int) -> dict:
    return queries.stats_for(kol_id=kol_id, rng=queries.parse_range({}), with_money=False)


def _page_uniques(client, kol) -> tuple[int, int]:
    """Unique visitors on the KOL's own media kit and on a share link of it."""
    sign_in(client, kol)
    own = client.get("/analytics/media-kit").get_data(as_text=True)
    link = media_kit.create_link(kol_id=kol.id, name="Glow Lab")
    db.session.commit()
    shared = client.application.test_client().get(f"/k/{link.token}").get_data(as_text=True)
    return int(UNIQUES_RE.search(own).group(1)), int(UNIQUES_RE.search(shared).group(1))


def test_one_visitor_on_two_notes_is_one_media_kit_unique_and_two_note_uniques(client):
    kol, (first, second) = _kol_with_two_notes()
    rollups.ingest_events(
        [event(first, visitor=READER, at=_at(1)), event(second, visitor=READER, at=_at(1, 800))]
    )
    db.session.commit()
    stats = _media_kit(kol.id)
    assert (stats["totals"]["uniques"], stats["totals"]["views"]) == (1, 2)
    assert [r["uniques"] for r in stats["notes"]] == [1, 1]
    assert stats["totals"]["note_uniques"] == 2
    assert sum(r["uniques"] for r in stats["series"]) == 1
    assert _page_uniques(client, kol) == (1, 1)


def test_two_visitors_count_two_and_a_bot_none(client):
    kol, (first, second) = _kol_with_two_notes()
    rollups.ingest_events(
        [
            event(first, visitor=READER, at=_at(1)),
            event(second, visitor=READER, at=_at(1, 800)),
            event(second, visitor=OTHER_READER, at=_at(1, 810)),
            event(first, visitor=CRAWLER, at=_at(1, 820), bot=True),
            event(second, visitor=CRAWLER, at=_at(1, 830), bot=True),
        ]
    )
    db.session.commit()
    totals = _media_kit(kol.id)["totals"]
    assert (totals["uniques"], totals["note_uniques"], totals["bot_views"]) == (2, 3, 2)
    assert _page_uniques(client, kol) == (2, 2)


def test_the_same_visitor_on_another_day_counts_again_and_for_another_kol():
    kol, (first, second) = _kol_with_two_notes()
    someone_else = published_note()
    rollups.ingest_events(
        [
            event(first, visitor=READER, at=_at(2)),
            event(second, visitor=READER, at=_at(1)),
            event(first, visitor=READER, at=_at(1, 800)),
            event(someone_else, visitor=READER, at=_at(1, 810)),
        ]
    )
    db.session.commit()
    assert _media_kit(kol.id)["totals"]["uniques"] == 2  # one per day
    assert _media_kit(someone_else.kol_id)["totals"]["uniques"] == 1


def test_a_replayed_or_separate_batch_does_not_count_the_visitor_twice():
    kol, (first, second) = _kol_with_two_notes()
    batch = [event(first, visitor=READER, at=_at(1))]
    rollups.ingest_events(batch)
    rollups.ingest_events(batch)  # a replay: every event id is stored already
    db.session.commit()
    rollups.ingest_events([event(second, visitor=READER, at=_at(1, 800))])  # a later drain
    rollups.ingest_events(batch)
    db.session.commit()
    totals = _media_kit(kol.id)["totals"]
    assert (totals["views"], totals["uniques"], totals["note_uniques"]) == (2, 1, 2)


def test_retention_prunes_old_kol_visitor_days_and_keeps_the_rollups():
    kol, (first, _second) = _kol_with_two_notes()
    rollups.ingest_events(
        [event(first, visitor=READER, at=_at(100)), event(first, visitor=READER, at=_at(1))]
    )
    assert retention.prune_raw_events(days=90).rows == 1
    days = db.session.scalars(select(VisitorDay.day).where(VisitorDay.kol_id == kol.id))
    assert list(days) == [datetime.fromtimestamp(_at(1), UTC).date()]
    since = datetime.now(UTC).date() - timedelta(days=100)
    old = queries.parse_range({"from": since.isoformat()})
    stats = queries.stats_for(kol_id=kol.id, rng=old, with_money=False)
    assert stats["totals"]["uniques"] == 2  # one per day, the old day's from its rollup


def _distinct_visitors_per_day(kol_id: int) -> dict[date, int]:
    """Straight from the raw events: distinct visitors with a counted human view of any of
    the KOL's notes, per UTC day."""
    e = TrackingEvent
    if db.session.get_bind().dialect.name == "sqlite":
        day = func.date(e.occurred_at)
    else:
        day = func.date(func.timezone("UTC", e.occurred_at))
    rows = db.session.execute(
        select(day, func.count(func.distinct(e.visitor)))
        .select_from(e)
        .join(Note, Note.id == e.note_id)
        .where(Note.kol_id == kol_id, e.kind == "view", e.is_bot.is_(False), e.counted)
        .group_by(day)
    )
    return {d if isinstance(d, date) else date.fromisoformat(d): n for d, n in rows}


@pytest.mark.parametrize("seed", range(4))
def test_the_media_kit_equals_distinct_visitors_per_day_from_the_raw_events(seed):
    rng = random.Random(seed)
    kol = make_kol(verified=True)
    campaign = campaign_for()
    # Two of the KOL's notes in one campaign, one in another; another KOL's note beside them.
    notes = [published_note(campaign, kol), published_note(campaign, kol),
             published_note(kol=kol), published_note(campaign)]  # fmt: skip
    visitors = [f"{v:032x}" for v in range(4)]
    when = lambda r: _at(3, r.randrange(-300, 1740))  # noqa: E731
    for events in random_drains(rng, notes, visitors, sizes=(10, 50), when=when):
        rollups.ingest_events(events)
    db.session.commit()
    for kol_id in (kol.id, notes[-1].kol_id):
        per_day = _distinct_visitors_per_day(kol_id)
        stats = _media_kit(kol_id)
        assert stats["totals"]["uniques"] == sum(per_day.values())
        series = {r["at"].date(): r["uniques"] for r in stats["series"] if r["uniques"]}
        assert series == {d: n for d, n in per_day.items() if n}
        assert stats["totals"]["note_uniques"] >= stats["totals"]["uniques"]


@pytest.mark.redis
class TestTheWriterCrashes:
    """The Redis writer dies mid-drain; the next drain counts every KOL visitor once."""

    @pytest.fixture(autouse=True)
    def stream(self, app, monkeypatch):
        name = f"test:analytics:{secrets.token_hex(4)}"
        monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "redis")
        monkeypatch.setitem(app.config, "ANALYTICS_STREAM", name)
        monkeypatch.setitem(app.config, "ANALYTICS_DRAIN_BATCH", 1000)
        yield name
        pipeline.redis_client().delete(name)

    @staticmethod
    def _read_both_notes() -> tuple[int, int]:
        """50 visitors each read both notes of one KOL: (kol id, events)."""
        kol, notes = _kol_with_two_notes()
        pipeline.accept_events(
            [event(note, visitor=f"{v:032x}", at=_at(1, v + n))
             for v in range(50) for n, note in enumerate(notes)]
        )  # fmt: skip
        return kol.id, 100

    @staticmethod
    def _assert_counted_once(kol_id: int, events: int) -> None:
        stored = db.session.scalar(select(func.count()).select_from(TrackingEvent))
        totals = _media_kit(kol_id)["totals"]
        assert (stored, totals["views"], totals["note_uniques"]) == (events, events, events)
        assert totals["uniques"] == 50
        assert pipeline.backlog() == 0

    def test_before_commit(self, monkeypatch):
        kol_id, events = self._read_both_notes()
        real = crash_after_ingest(monkeypatch)
        with pytest.raises(RuntimeError):
            pipeline.drain(consumer="dead-writer")
        monkeypatch.setattr(rollups, "ingest_rows", real)
        assert pipeline.drain_all(consumer="w2", min_idle_ms=0) == events
        self._assert_counted_once(kol_id, events)

    def test_between_commit_and_ack(self, monkeypatch):
        kol_id, events = self._read_both_notes()
        client = pipeline.redis_client()
        real_pipeline = fail_acks(client, monkeypatch)
        with pytest.raises(ConnectionError):
            pipeline.drain(consumer="dead-writer")
        monkeypatch.setattr(client, "pipeline", real_pipeline)
        assert pipeline.drain_all(consumer="dead-writer") == events  # stored: none new
        self._assert_counted_once(kol_id, events)


# Migration 0010 on a database with history (fresh SQLite file, whatever the suite runs on).
BEFORE = "0a9b1c2d3e09"
OLD_COUNTERS = ("views", "uniques", "clicks", "bot_views", "bot_clicks", "conversions", "revenue")
_hourly = sa.table(
    "analytics_hourly",
    *(sa.column(c, sa.BigInteger) for c in ("note_id", "contract_id", "campaign_id", "kol_id")),
    *(sa.column(c, sa.Integer) for c in OLD_COUNTERS),
    sa.column("hour", TZDateTime()),
)
_visitor_days = sa.table(
    "analytics_visitor_days", sa.column("day"), sa.column("note_id"), sa.column("visitor")
)


@pytest.mark.once
def test_hours_rolled_up_before_the_migration_keep_their_note_uniques(tmp_path):
    from flask_migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path))
    with fresh.app_context():
        # The factories write today's schema: make the notes there, then go back to before.
        upgrade()
        kol, notes = _kol_with_two_notes()
        kol = SimpleNamespace(id=kol.id)
        notes = [
            SimpleNamespace(
                id=n.id, contract_id=n.contract_id, campaign_id=n.campaign_id, kol_id=n.kol_id
            )
            for n in notes
        ]
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        # Yesterday at noon, before the upgrade: READER read both notes (two note uniques).
        noon = datetime.fromtimestamp(_at(1), UTC)
        for note in notes:
            counters = {**dict.fromkeys(OLD_COUNTERS, 0), "views": 1, "uniques": 1}
            db.session.execute(
                _hourly.insert().values(
                    note_id=note.id, contract_id=note.contract_id, campaign_id=note.campaign_id,
                    kol_id=kol.id, hour=noon, **counters,
                )
            )  # fmt: skip
            db.session.execute(
                _visitor_days.insert().values(day=noon.date(), note_id=note.id, visitor=READER)
            )
        db.session.commit()
        upgrade()
        # After it, the same day: READER again (known to the KOL), and a new visitor on both.
        rollups.ingest_events(
            [event(notes[0], visitor=READER, at=_at(1, 900))]
            + [event(note, visitor=OTHER_READER, at=_at(1, 910)) for note in notes]
        )
        db.session.commit()
        totals = _media_kit(kol.id)["totals"]
        # The hour before the upgrade keeps its per-note sum (2); after it, one visitor more.
        assert (totals["views"], totals["note_uniques"], totals["uniques"]) == (5, 4, 3)
        db.session.remove()
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("analytics_hourly")}
        assert "kol_uniques" not in columns and "uniques" in columns
        assert not sa.inspect(db.engine).has_table("analytics_kol_visitor_days")
        db.session.remove()
