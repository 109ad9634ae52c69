"""Ops fixtures: the app's own log handler, redirected to a buffer in a chosen format."""

from __future__ import annotations

import io
import json
import logging

import pytest

from app.jobs import job
from app.observability.logging import JsonFormatter, TextFormatter

job_log = logging.getLogger("tests.ops.job")


@job("tests.ops.log")
def _logging_job(value: int) -> None:
    """A job that only logs: its line shows the context it ran in."""
    job_log.info("job ran with %s", value)


def _our_handler() -> logging.StreamHandler:
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_kol_observability", 0)]
    assert len(handlers) == 1, "the app installs exactly one root handler"
    return handlers[0]


class Captured:
    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def lines(self) -> list[str]:
        return [line for line in self.buffer.getvalue().splitlines() if line]

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]

    def access(self, path: str) -> dict:
        found = [r for r in self.records() if r["logger"] == "kol.access" and r["path"] == path]
        assert found, f"no access line for {path}: {self.lines()}"
        return found[-1]


def _capture(formatter: logging.Formatter):
    handler = _our_handler()
    buffer = io.StringIO()
    previous_stream, previous_formatter = handler.stream, handler.formatter
    handler.setStream(buffer)
    handler.setFormatter(formatter)
    try:
        yield Captured(buffer)
    finally:
        handler.setStream(previous_stream)
        handler.setFormatter(previous_formatter)


@pytest.fixture
def json_logs(app):
    yield from _capture(JsonFormatter())


@pytest.fixture
def text_logs(app):
    yield from _capture(TextFormatter())
