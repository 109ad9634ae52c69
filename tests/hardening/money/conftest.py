"""Money hardening fixtures. Accounts are made by the hundred here; the test configuration's
cheap scrypt cost (PASSWORD_HASH_METHOD) keeps that fast."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _limiter_restored():
    """Tests that build an app of their own (own Redis, own PostgreSQL) re-initialise the
    global rate limiter on its storage; put the suite's back, or every later test's
    ``limiter.reset()`` talks to a Redis that is gone."""
    from app.extensions import limiter

    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


from tests.payments.conftest import books_balance, stripe_emulator  # noqa: E402,F401 - payments fixtures
