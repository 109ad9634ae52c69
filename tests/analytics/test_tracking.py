"""Views: bots filtered, repeats within 30 minutes not counted, unique visitors per day, no raw
IPs, replays ignored, Redis-down fallback and 503 when nothing accepts the event."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.analytics import pipeline, retention, rollups, tracking
from app.analytics.models import TrackingEvent
from app.analytics.pipeline import TrackingUnavailable
from app.extensions import db
from tests.analytics.support import BROWSER, event, published_note, totals


@pytest.mark.parametrize(
    "ua",
    [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36",
        "",
        "Mozilla",
    ],
)
def test_robots_and_non_browsers_are_bots(ua):
    assert tracking.is_bot(ua, "en")


def test_a_browser_is_not_a_bot_but_a_browser_without_languages_is():
    assert not tracking.is_bot(BROWSER["User-Agent"], BROWSER["Accept-Language"])
    assert tracking.is_bot(BROWSER["User-Agent"], None)


def test_a_visitor_is_counted_once_per_note_per_30_minutes():
    note = published_note()
    other = published_note()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    t0 = datetime.combine(yesterday, datetime.min.time(), UTC).timestamp() + 12 * 3600  # noon
    rollups.ingest_events(
        [
            event(note, at=t0),
            event(note, at=t0 + 10 * 60),  # repeat: not counted
            event(note, at=t0 + 29 * 60),  # repeat: not counted
            event(note, at=t0 + 41 * 60),  # 41 min after the last counted view: counted
            event(note, visitor="b" * 32, at=t0 + 60),  # another visitor
            event(other, at=t0 + 5 * 60),  # the same visitor on another note
        ]
    )
    db.session.commit()
    assert totals(note.id)["views"] == 3
    assert totals(note.id)["uniques"] == 2  # two different visitors that day
    assert totals(other.id)["views"] == 1
    stored = db.session.scalar(select(func.count()).where(TrackingEvent.note_id == note.id))
    assert stored == 5  # repeats are kept as raw events, flagged not counted


def test_the_dedupe_window_spans_separate_batches():
    note = published_note()
    t0 = time.time() - 7200
    rollups.ingest_events([event(note, at=t0)])
    rollups.ingest_events([event(note, at=t0 + 20 * 60)])
    rollups.ingest_events([event(note, at=t0 + 55 * 60)])
    assert totals(note.id)["views"] == 2


def test_bot_views_are_stored_and_shown_apart_not_counted_as_views():
    note = published_note()
    rollups.ingest_events([event(note, bot=True, visitor=f"{i:032x}") for i in range(3)])
    assert totals(note.id) == {"views": 0, "uniques": 0, "clicks": 0, "bot_views": 3}


def test_replayed_events_are_counted_once():
    note = published_note()
    batch = [event(note, visitor=f"{i:032x}") for i in range(5)]
    assert rollups.ingest_events(batch) == 5
    assert rollups.ingest_events(batch) == 0
    assert rollups.ingest_events([*batch[:2], event(note, visitor="f" * 32)]) == 1
    assert totals(note.id)["views"] == 6


def test_record_view_uses_a_cookie_and_never_stores_the_ip(app):
    note = published_note()
    ip = "203.0.113.77"
    with app.test_request_context(headers=BROWSER, environ_base={"REMOTE_ADDR": ip}) as ctx:
        tracking.record_view(note=note, request=ctx.request)
        visitor = db.session.scalar(select(TrackingEvent.visitor))
        response = app.process_response(app.response_class("ok"))
    assert ip not in visitor and len(visitor) == 32
    assert f"kv={visitor}" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    headers = {**BROWSER, "Cookie": f"kv={visitor}"}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.1"}):
        from flask import request

        tracking.record_view(note=note, request=request)
    assert totals(note.id)["views"] == 1  # the same visitor from another address: a repeat


def test_when_redis_is_down_events_go_to_the_database(app, monkeypatch):
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "redis")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    note = published_note()
    with app.app_context():
        assert pipeline.accept_events([event(note)]) == "database"
    assert totals(note.id)["views"] == 1


def test_when_no_store_accepts_the_event_the_answer_is_503_and_a_retry_counts_once(
    app, monkeypatch
):
    note = published_note()
    the_event = event(note)

    def database_down(rows, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(rollups, "ingest_rows", database_down)
    with pytest.raises(TrackingUnavailable) as raised:
        pipeline.accept_events([the_event])
    assert raised.value.status == 503
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")
    assert pipeline.accept_events([the_event]) == "database"
    assert pipeline.accept_events([the_event]) == "database"  # the client retried again
    assert totals(note.id)["views"] == 1


def test_retention_deletes_old_raw_events_and_keeps_rollups():
    note = published_note()
    old = time.time() - 100 * 86400
    rollups.ingest_events([event(note, at=old), event(note, visitor="c" * 32)])
    assert retention.prune_raw_events(days=90).rows == 1
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 1
    assert totals(note.id)["views"] == 2
