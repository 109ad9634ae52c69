"""With Redis: hits go to a stream (no database write), the writer drains them with COPY, and a
crash at any point loses nothing and counts nothing twice."""

import secrets

import pytest
from sqlalchemy import func, select

from app.analytics import pipeline, rollups
from app.analytics.models import HourlyRollup, TrackingEvent
from app.extensions import db
from tests.analytics.support import crash_after_ingest, event, fail_acks, published_note

pytestmark = pytest.mark.redis


@pytest.fixture
def stream(app, monkeypatch):
    name = f"test:analytics:{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "redis")
    monkeypatch.setitem(app.config, "ANALYTICS_STREAM", name)
    monkeypatch.setitem(app.config, "ANALYTICS_DRAIN_BATCH", 1000)
    client = pipeline.redis_client()
    yield name
    client.delete(name)


def stored():
    return db.session.scalar(select(func.count()).select_from(TrackingEvent))


def views(note_id):
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(HourlyRollup.views), 0)).where(
                HourlyRollup.note_id == note_id
            )
        )
    )


def test_hits_are_buffered_then_drained_in_batches(stream):
    note = published_note()
    for i in range(1200):  # single hits: one stream entry each
        assert pipeline.accept_events([event(note, visitor=f"{i:032x}")]) == "redis"
    batch = [event(note, visitor=f"{i:032x}") for i in range(1200, 1700)]
    assert pipeline.accept_events(batch) == "redis"  # a batch: one entry
    assert stored() == 0  # no database write on the hot path
    assert pipeline.backlog() == 1201
    assert pipeline.drain(consumer="w1") == 1000  # at least 1,000 events per job
    assert pipeline.drain_all(consumer="w1") == 700
    assert stored() == 1700 and views(note.id) == 1700
    assert pipeline.backlog() == 0


def test_a_writer_crash_before_commit_loses_nothing(stream, monkeypatch):
    note = published_note()
    for k in range(3):
        pipeline.accept_events([event(note, visitor=f"{k}{i:031x}") for i in range(100)])
    real = crash_after_ingest(monkeypatch)
    with pytest.raises(RuntimeError):
        pipeline.drain(consumer="dead-writer")
    monkeypatch.setattr(rollups, "ingest_rows", real)
    assert stored() == 0  # rolled back; the entries are pending for the dead consumer
    assert pipeline.drain_all(consumer="w2", min_idle_ms=0) == 300  # claimed (XAUTOCLAIM)
    assert stored() == 300 and views(note.id) == 300


def test_a_crash_between_commit_and_ack_does_not_count_twice(stream, monkeypatch):
    note = published_note()
    pipeline.accept_events([event(note, visitor=f"{i:032x}") for i in range(200)])
    client = pipeline.redis_client()
    real_pipeline = fail_acks(client, monkeypatch)
    with pytest.raises(ConnectionError):
        pipeline.drain(consumer="dead-writer")
    monkeypatch.setattr(client, "pipeline", real_pipeline)
    assert stored() == 200  # committed, but not acknowledged
    assert pipeline.drain_all(consumer="dead-writer") == 200  # its own pending entries again
    assert stored() == 200 and views(note.id) == 200
    assert pipeline.backlog() == 0


def test_redis_down_falls_back_to_the_database(app, stream, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    note = published_note()
    assert pipeline.accept_events([event(note)]) == "database"
    assert views(note.id) == 1


def test_entries_in_the_previous_json_format_are_still_drained(stream):
    """Entries written before the stream held COPY rows (during an upgrade) are stored too."""
    import json

    note = published_note()
    older = [event(note, visitor=f"{i:032x}") for i in range(3)]
    pipeline.redis_client().xadd(stream, {"e": json.dumps(older)})
    pipeline.accept_events([event(note, visitor="f" * 32)])
    assert pipeline.drain_all(consumer="w1") == 4
    assert stored() == 4 and views(note.id) == 4


def test_the_writer_wakes_on_a_new_entry_and_loses_nothing_if_it_dies_then(stream):
    """The idle writer blocks on the stream; the entry that wakes it is its own pending
    entry: read by its next drain, or claimed by another writer if it died meanwhile."""
    note = published_note()
    pipeline.accept_events([event(note, visitor=f"{i:032x}") for i in range(3)])
    pipeline.wait_for_entries(5, consumer="dead-writer")
    client = pipeline.redis_client()
    assert client.xpending(stream, "writers")["pending"] == 1
    assert pipeline.drain_all(consumer="w2", min_idle_ms=0) == 3
    assert stored() == 3 and pipeline.backlog() == 0
