"""Single hits off the request path (app/analytics/hitbuffer.py, ANALYTICS_ASYNC): nothing is
dropped when the stores refuse for a while, and the request says 503 once the backlog is full."""

from __future__ import annotations

import os

import pytest

from app.analytics import hitbuffer, pipeline
from app.analytics.pipeline import TrackingUnavailable
from tests.analytics.support import BROWSER, published_note


@pytest.fixture
def stored(monkeypatch):
    """What reached the pipeline, or an error while ``refuse`` is set."""
    state = {"events": [], "refuse": False}

    def accept(batch):
        if state["refuse"]:
            raise TrackingUnavailable("down")
        state["events"].extend(batch)
        return "redis"

    monkeypatch.setattr(pipeline, "accept_events", accept)
    return state


def quiet_buffer(app) -> hitbuffer.HitBuffer:
    """A buffer whose flusher thread is not started: the test flushes it by hand."""
    buffer = hitbuffer.HitBuffer(pipeline.store_buffered)
    buffer.pid, buffer.app = os.getpid(), app
    return buffer


def test_buffered_hits_reach_the_pipeline_in_order(app, stored):
    buffer = quiet_buffer(app)
    assert buffer.offer(app, [{"id": "a"}]) and buffer.offer(app, [{"id": "b"}])
    assert stored["events"] == []  # nothing written on the request path
    assert buffer.flush() == 2
    assert [e["id"] for e in stored["events"]] == ["a", "b"]


def test_hits_are_kept_while_the_stores_refuse_and_then_written(app, stored, monkeypatch):
    monkeypatch.setattr(hitbuffer, "MAX_BACKLOG", 3)
    buffer = quiet_buffer(app)
    stored["refuse"] = True
    buffer.offer(app, [{"id": "a"}, {"id": "b"}])
    assert buffer.flush() == 0 and buffer.failing
    assert buffer.offer(app, [{"id": "c"}])  # still room
    assert not buffer.offer(app, [{"id": "d"}])  # full while failing: the caller answers 503
    stored["refuse"] = False
    assert buffer.flush() == 3
    assert [e["id"] for e in stored["events"]] == ["a", "b", "c"]
    assert not buffer.failing


def test_a_click_answers_503_when_the_backlog_is_full(app, stored, monkeypatch):
    note = published_note()
    full = quiet_buffer(app)
    full.failing = True
    full.events = [{"id": str(i)} for i in range(hitbuffer.MAX_BACKLOG)]
    monkeypatch.setattr(pipeline, "hit_buffer", full)
    monkeypatch.setattr(pipeline, "use_redis", lambda config=None: True)
    monkeypatch.setitem(app.config, "ANALYTICS_ASYNC", 1)
    response = app.test_client().get(f"/go/{note.tracking_code}", headers=BROWSER)
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_a_click_is_buffered_and_redirected_at_once(app, stored, monkeypatch):
    note = published_note()
    buffer = quiet_buffer(app)
    monkeypatch.setattr(pipeline, "hit_buffer", buffer)
    monkeypatch.setattr(pipeline, "use_redis", lambda config=None: True)
    monkeypatch.setitem(app.config, "ANALYTICS_ASYNC", 1)
    response = app.test_client().get(f"/go/{note.tracking_code}", headers=BROWSER)
    assert response.status_code == 302
    assert [e["k"] for e in buffer.events] == ["click"] and stored["events"] == []
    buffer.flush()
    assert stored["events"][0]["id"] in response.headers["Location"]
