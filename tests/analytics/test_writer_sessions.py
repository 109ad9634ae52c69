"""PostgreSQL: the writer stores each chunk in N sessions side by side (2 and 4 here), split by
visitor. The flags and rollups are those of the rules, and when one session fails nothing is
acknowledged: the next drain stores the rest, and the part already stored counts once."""

import secrets

import pytest
from sqlalchemy import func, select

from app.analytics import pipeline, rollups
from app.analytics.models import TrackingEvent
from app.extensions import db
from tests.analytics.rules import (
    FLAGS,
    assert_rollups_match_raw_events,
    at,
    expected_flags,
)
from tests.analytics.support import campaign_for, event, published_note
from tests.factories import make_kol

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(params=[2, 4], ids=["2-sessions", "4-sessions"])
def writer(committing_app, monkeypatch, request):
    app = committing_app
    name = f"test:analytics:{secrets.token_hex(4)}"
    for key, value in {"ANALYTICS_BUFFER": "redis", "ANALYTICS_STREAM": name,
                       "ANALYTICS_WRITER_SESSIONS": request.param,
                       "ANALYTICS_WRITER_SPLIT_ROWS": 1}.items():  # fmt: skip
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        yield app
        pipeline.redis_client().delete(name)
        db.session.remove()


def traffic() -> list[list[dict]]:
    """Two drains' worth: 40 visitors (both partitions) on two notes of one campaign and a note
    of the first one's KOL in another campaign, with repeats inside and outside the window,
    bots, clicks and a replay."""
    campaign, kol = campaign_for(), make_kol(verified=True)
    notes = [published_note(campaign, kol), published_note(campaign), published_note(kol=kol)]
    first, second = [], []
    for v in range(40):
        visitor = f"{v:032x}"
        for n, note in enumerate(notes):
            first.append(event(note, visitor=visitor, at=at(v + n)))
            first.append(event(note, visitor=visitor, at=at(v + n + 10)))  # a repeat
            second.append(event(note, visitor=visitor, at=at(v + n + 45)))  # counted again
        first.append(event(notes[0], visitor=visitor, at=at(v), bot=True))
        second.append(event(notes[1], "click", visitor=visitor, at=at(v + 50)))
    second.append(first[0])  # replayed
    return [first, second]


def stored_flags() -> dict[str, tuple]:
    columns = (getattr(TrackingEvent, f) for f in FLAGS)
    return {
        r[0]: tuple(r[1:]) for r in db.session.execute(select(TrackingEvent.event_id, *columns))
    }


def test_two_sessions_store_a_chunk_with_the_flags_of_the_rules(writer):
    drains = traffic()
    for events in drains:
        pipeline.accept_events(events)
        assert pipeline.drain_all(consumer="w1") == len(events)
    db.session.remove()
    assert stored_flags() == expected_flags(drains)
    assert_rollups_match_raw_events()


def test_when_one_session_fails_the_chunk_is_read_again_and_counted_once(writer, monkeypatch):
    first, _second = traffic()
    pipeline.accept_events(first)
    real = rollups.ingest_rows

    def second_half_fails(rows, *, partition=None):
        if partition == 1:
            raise RuntimeError("writer session killed")
        return real(rows, partition=partition)

    monkeypatch.setattr(rollups, "ingest_rows", second_half_fails)
    with pytest.raises(RuntimeError):
        pipeline.drain(consumer="w1")
    db.session.remove()
    half = db.session.scalar(select(func.count()).select_from(TrackingEvent))
    assert 0 < half < len(first)  # one partition committed, nothing acknowledged
    monkeypatch.setattr(rollups, "ingest_rows", real)
    assert pipeline.drain_all(consumer="w1") == len(first)  # its own pending entries again
    db.session.remove()
    assert stored_flags() == expected_flags([first])
    assert_rollups_match_raw_events()
    assert pipeline.backlog() == 0


def test_a_small_chunk_is_stored_by_one_session(writer, monkeypatch):
    """Below ANALYTICS_WRITER_SPLIT_ROWS (the steady trickle of single hits) the writer keeps
    to one session: a drain then never takes both cores from the web processes."""
    monkeypatch.setitem(writer.config, "ANALYTICS_WRITER_SPLIT_ROWS", 1_000)
    split = []
    monkeypatch.setattr(rollups, "_store_partition", lambda *args: split.append(args) or 0)
    note = published_note()
    small = [event(note, visitor=f"{v:032x}", at=at(v)) for v in range(20)]
    pipeline.accept_events(small)
    assert pipeline.drain_all() == 20 and split == []
    big = [event(note, visitor=f"{v + 100:032x}", at=at(v)) for v in range(1_000)]
    pipeline.accept_events(big)
    pipeline.drain_all()
    # A backlog: every partition side by side, one session each.
    assert len(split) == writer.config["ANALYTICS_WRITER_SESSIONS"]
