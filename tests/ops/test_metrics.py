"""/metrics: closed unless configured, opened by a bearer token or an allowed address, and
exposing the named series (requests, latency, outbox, payouts, queue, tracking)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.db_types import utcnow
from app.extensions import db
from app.jobs import StagedJob, stage_job
from tests.analytics.support import BROWSER, published_note
from tests.conftest import REDIS_URL

TOKEN = "metrics-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "10.1.2.0/24, ::1")
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")


def value(text: str, series: str) -> float:
    """The value of one exact series line (name plus labels) in the exposition text."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not exposed")


def scrape(client) -> str:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return response.get_data(as_text=True)


def test_metrics_are_not_served_when_nothing_is_configured(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token_from_elsewhere(client, metrics_config):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert "kol_" not in response.get_data(as_text=True)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_metrics_answer_the_token_or_an_allowed_address(client, metrics_config):
    assert client.get("/metrics", headers=AUTH).status_code == 200
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.77"})
    assert inside.status_code == 200
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.3.1"})
    assert outside.status_code == 401


def test_requests_are_counted_by_endpoint_method_and_status(client, metrics_config):
    series = 'kol_http_requests_total{endpoint="notes.explore",method="GET",status="200"}'
    before = scrape(client)
    start = value(before, series) if series + " " in before else 0.0
    for _ in range(3):
        assert client.get("/explore").status_code == 200
    client.get("/no-such-page")
    text = scrape(client)
    assert value(text, series) == start + 3
    assert 'kol_http_requests_total{endpoint="unmatched",method="GET",status="404"}' in text
    histogram = 'kol_http_request_duration_seconds_count{endpoint="notes.explore",method="GET"}'
    assert value(text, histogram) >= 3
    assert re.search(r'kol_http_request_duration_seconds_bucket\{endpoint="notes.explore"', text)


def test_outbox_count_and_oldest_age_are_read_at_scrape(client, ctx, metrics_config):
    before = value(scrape(client), "kol_outbox_staged_jobs")
    staged = stage_job("tests.ops.log", value=1)  # staged, never run (no commit)
    staged.created_at = utcnow() - timedelta(minutes=10)
    db.session.flush()
    text = scrape(client)
    assert value(text, "kol_outbox_staged_jobs") == before + 1
    assert value(text, "kol_outbox_oldest_age_seconds") >= 600
    db.session.delete(db.session.get(StagedJob, staged.id))


def test_payouts_are_exposed_for_every_status(client, metrics_config):
    text = scrape(client)
    for status in ("waiting_onboarding", "staged", "processing", "paid", "failed", "on_hold"):
        assert f'kol_payouts{{status="{status}"}}' in text
    assert value(text, 'kol_dependency_up{name="database"}') == 1


def test_tracking_events_accepted_are_counted(client, ctx, metrics_config):
    series = 'kol_tracking_events_accepted_total{via="database"}'
    before = scrape(client)
    start = value(before, series) if series + " " in before else 0.0
    note = published_note()
    assert client.get(f"/go/{note.tracking_code}", headers=BROWSER).status_code == 302
    assert value(scrape(client), series) == start + 1


@pytest.mark.redis
def test_queue_depth_and_the_tracking_writer_are_exposed_with_redis(client, ctx, metrics_config):
    text = scrape(client)
    assert value(text, 'kol_dependency_up{name="redis"}') == 1
    assert re.search(r'kol_rq_jobs\{queue="[^"]+",state="queued"\} \d', text)
    assert "kol_tracking_backlog_entries " in text
    assert "kol_tracking_events_written_total " in text


def test_redis_down_is_reported_not_raised(app, client, metrics_config, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    text = scrape(client)
    assert value(text, 'kol_dependency_up{name="redis"}') == 0
    assert value(text, 'kol_dependency_up{name="database"}') == 1
    assert REDIS_URL is None or "kol_rq_jobs" not in text
