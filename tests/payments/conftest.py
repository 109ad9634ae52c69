"""Money tests: the real SDK against the built-in emulator; ledger invariants after each."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs import run_inline_jobs, sweep_staged_jobs


@pytest.fixture(autouse=True)
def _loud_errors(monkeypatch):
    import traceback

    from app import errors

    monkeypatch.setattr(errors.log, "exception", lambda *a, **k: traceback.print_exc())


@pytest.fixture
def stripe_emulator(app):
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)  # nothing held or owed from another test
    emulator.faults.reset()
    emulator.hold_webhooks(False)
    yield emulator
    emulator.faults.reset()
    emulator.hold_webhooks(False)


@pytest.fixture
def books_balance(app):
    """After the test: every ledger invariant holds."""
    yield
    from app.ledger.checks import ledger_problems

    db.session.expire_all()
    assert ledger_problems() == []


def drain_jobs() -> None:
    """Run the jobs committed so far (as the inline runner or an RQ worker would)."""
    from datetime import timedelta

    run_inline_jobs()
    sweep_staged_jobs(older_than=timedelta(0))
