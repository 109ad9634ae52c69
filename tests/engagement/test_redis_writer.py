"""With Redis: actions go to a stream (no database write in the request), the user's pending
state shows at once, the writer applies them in order, and crashes or replays neither lose
nor double-count anything. Without either store: 503 with Retry-After."""

import secrets

import pytest

from app.engagement import pipeline, services
from tests.conftest import sign_in
from tests.engagement.support import follows, likes, member, post, published_note, rolled, saves

pytestmark = pytest.mark.redis


@pytest.fixture
def stream(app, monkeypatch):
    name = f"test:engagement:{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "ENGAGEMENT_BUFFER", "redis")
    monkeypatch.setitem(app.config, "ENGAGEMENT_STREAM", name)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)  # the writer runs when we say
    client = pipeline.redis_client()
    yield name
    client.delete(name, *client.keys(f"{name}:*"))


def test_actions_are_buffered_shown_at_once_then_drained(stream):
    note, user, other = published_note(), member(), member()
    assert services.like(user, note.id) == "redis"
    services.like(user, note.id)  # a double click
    services.save(user, note.id)
    services.like(other, note.id)
    services.follow(other, note.kol_id, note.id)
    assert likes(note.id) == 0 and saves(note.id) == 0  # nothing written in the request
    state = services.viewer_state(user, note.id)
    assert state["liked"] and state["saved"] and state["counts"]["likes"] == 1
    assert pipeline.backlog() == 5
    assert pipeline.drain_all(consumer="w1") == 5
    assert likes(note.id) == 2 and saves(note.id) == 1 and follows(note.kol_id) == 1
    assert rolled(note.id) | {"flagged_engagements": 0} == {
        "likes": 2, "saves": 1, "follows": 1, "bought": 0, "flagged_engagements": 0,
    }  # fmt: skip
    services.unlike(user, note.id)
    assert services.viewer_state(user, note.id)["liked"] is False  # pending, before the writer
    pipeline.drain_all(consumer="w1")
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1


def test_a_replay_of_the_same_entries_counts_nothing_twice(stream):
    note, user = published_note(), member()
    services.like(user, note.id)
    services.save(user, note.id)
    client = pipeline.redis_client()
    copies = [fields for _id, fields in client.xrange(stream)]
    pipeline.drain_all(consumer="w1")
    for fields in copies:  # the same actions delivered again (e.g. commit then crash)
        client.xadd(stream, fields)
    pipeline.drain_all(consumer="w1")
    assert likes(note.id) == 1 and saves(note.id) == 1
    assert rolled(note.id)["likes"] == 1 and rolled(note.id)["saves"] == 1


def test_a_crash_between_read_and_write_loses_nothing(stream, monkeypatch):
    note, user = published_note(), member()
    services.like(user, note.id)
    services.save(user, note.id)
    real = pipeline.apply_actions

    def crash(actions):
        real(actions)
        raise RuntimeError("writer killed mid-batch")

    monkeypatch.setattr(pipeline, "apply_actions", crash)
    with pytest.raises(RuntimeError):
        pipeline.drain(consumer="dead-writer")
    monkeypatch.setattr(pipeline, "apply_actions", real)
    assert likes(note.id) == 0  # rolled back; the entries are pending for the dead writer
    assert pipeline.drain_all(consumer="w2", min_idle_ms=0) == 2  # claimed
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1 and saves(note.id) == 1


def test_a_crash_between_commit_and_ack_does_not_count_twice(stream, monkeypatch):
    note, user = published_note(), member()
    services.like(user, note.id)
    client = pipeline.redis_client()
    real_pipeline = client.pipeline
    calls = {"n": 0}

    def failing_ack(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("killed before XACK")
        return real_pipeline(*args, **kwargs)

    monkeypatch.setattr(client, "pipeline", failing_ack)
    with pytest.raises(ConnectionError):
        pipeline.drain(consumer="w1")
    monkeypatch.setattr(client, "pipeline", real_pipeline)
    assert likes(note.id) == 1  # committed
    pipeline.drain_all(consumer="w1")  # its own pending entry, re-read and re-applied
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1
    assert pipeline.backlog() == 0


def test_redis_down_falls_back_to_the_database(stream, monkeypatch):
    note, user = published_note(), member()
    monkeypatch.setattr(pipeline, "_to_redis", lambda action, pending: False)
    assert services.like(user, note.id) == "database"
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1


def test_neither_store_answers_503_with_retry_after(client, stream, monkeypatch):
    note = published_note()
    sign_in(client, member())
    monkeypatch.setattr(pipeline, "_to_redis", lambda action, pending: False)

    def broken(actions):
        raise RuntimeError("database refused")

    monkeypatch.setattr(pipeline, "apply_actions", broken)
    answer = post(client, note, "like", {"do": "like"}, headers={"Accept": "application/json"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    page = post(client, note, "like", {"do": "like"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"


def test_unreadable_entries_are_dropped_not_stuck(stream):
    note, user = published_note(), member()
    pipeline.redis_client().xadd(stream, {"a": "not json"})
    services.like(user, note.id)
    assert pipeline.drain_all(consumer="w1") == 2
    assert likes(note.id) == 1 and pipeline.backlog() == 0
