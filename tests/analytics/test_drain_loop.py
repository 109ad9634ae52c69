"""`flask analytics drain --loop`: after a small drain (the trickle of single hits) the writer
lets hits gather for ANALYTICS_WRITER_PAUSE before it looks again; after a large one (a backlog,
batch intake) it goes straight on, so a backlog is never held back by the pause."""

import time

import pytest

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

        monkeypatch.setattr(pipeline, "redis_client", lambda config=None: object())
        monkeypatch.setattr(pipeline, "drain_all", drain_all)
        monkeypatch.setattr(pipeline, "wait_for_entries", wait_for_entries)
        monkeypatch.setattr(time, "sleep", lambda seconds: steps.append(f"pause {seconds:g}"))
        monkeypatch.setitem(app.config, "ANALYTICS_WRITER_PAUSE", 2)
        monkeypatch.setitem(app.config, "ANALYTICS_WRITER_SPLIT_ROWS", 10_000)
        result = app.test_cli_runner().invoke(
            args=["analytics", "drain", "--loop", "--interval", "3"]
        )
        assert isinstance(result.exception, _Stop), result.output
        return steps

    return run


def test_after_a_small_drain_the_writer_pauses_and_after_a_backlog_it_goes_on(loop):
    assert loop([4_400, 0, 20_000, 9_999]) == [
        "drain 4400", "pause 2", "wait 3",
        "drain 0", "pause 2", "wait 3",
        "drain 20000", "wait 3",
        "drain 9999", "pause 2", "wait 3",
    ]  # fmt: skip
