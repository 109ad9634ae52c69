"""Money hardening fixtures: accounts are made by the hundred here, so their passwords are
hashed cheaply (logins still verify them; scrypt's cost is the auth tests' business)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    from app.auth import services

    monkeypatch.setattr(
        services,
        "hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


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
