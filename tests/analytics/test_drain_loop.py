"""`flask analytics drain --loop`: after a small drain (the trickle of single hits) the writer
lets hits gather for ANALYTICS_WRITER_PAUSE before it looks again; after a large one (a backlog,
batch intake) it goes straight on, so a backlog is never held back by the pause."""

import time

import pytest

from app import redis as app_redis
from app.analytics import pipeline


class _Stop(Exception):
    pass


@pytest.fixture
def loop(app, monkeypatch):
    """Runs the loop over the given drain sizes; returns what it did between drains."""

    def run(sizes: list[int]) -> list[str]:
        drains, steps = iter(sizes), []

        def drain_all(**_kwargs):
            moved = next(drains, None)
            if moved is None:
                raise _Stop
            steps.append(f"drain {moved}")
            return moved

        def wait_for_entries(seconds, **_kwargs):
            steps.append(f"wait {seconds:g}")

        monkeypatch.setattr(app_redis, "redis_client", lambda config=None: object())
        monkeypatch.setattr(pipeline, "drain_all", drain_all)
        monkeypatch.setattr(pipeline, "wait_for_entries", wait_for_entries)
        monkeypatch.setattr(pipeline, "gather", lambda seconds, entries: steps.append(
            f"pause {seconds:g} or {entries} entries"))  # fmt: skip
        monkeypatch.setitem(app.config, "ANALYTICS_WRITER_PAUSE", 2)
        monkeypatch.setitem(app.config, "ANALYTICS_WRITER_WAKE_ENTRIES", 7)
        monkeypatch.setitem(app.config, "ANALYTICS_WRITER_SPLIT_ROWS", 10_000)
        result = app.test_cli_runner().invoke(
            args=["analytics", "drain", "--loop", "--interval", "3"]
        )
        assert isinstance(result.exception, _Stop), result.output
        return steps

    return run


def test_after_a_small_drain_the_writer_pauses_and_after_a_backlog_it_goes_on(loop):
    assert loop([4_400, 0, 20_000, 9_999]) == [
        "drain 4400", "pause 2 or 7 entries", "wait 3",
        "drain 0", "pause 2 or 7 entries", "wait 3",
        "drain 20000", "wait 3",
        "drain 9999", "pause 2 or 7 entries", "wait 3",
    ]  # fmt: skip


@pytest.mark.redis
def test_the_pause_ends_early_once_a_batch_senders_entries_wait(app, monkeypatch):
    """Single hits (a few entries) wait out the pause; a backlog of entries ends it at once."""
    import secrets

    stream = f"test:analytics:{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "ANALYTICS_STREAM", stream)
    with app.app_context():
        client = pipeline.redis_client()
        try:
            client.xadd(stream, {"rows": b""})
            started = time.monotonic()
            pipeline.gather(0.3, entries=3)
            assert time.monotonic() - started >= 0.3  # 1 entry: the whole pause
            for _ in range(2):
                client.xadd(stream, {"rows": b""})
            started = time.monotonic()
            pipeline.gather(30, entries=3)
            assert time.monotonic() - started < 5  # 3 entries: over within a poll, not 30 s
        finally:
            client.delete(stream)
