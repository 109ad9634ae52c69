"""A Stripe call made inside a web request gives up before gunicorn kills the worker (30 s):
each attempt is bounded by STRIPE_TIMEOUT_SECONDS (the SDK's own default is 80 s)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import stripe

from app import create_app
from app.payments import gateway


@pytest.fixture
def silent_stripe():
    """An address that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_silent_stripe_fails_the_call_within_the_timeout(silent_stripe, tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STRIPE_SECRET_KEY="sk_test_timeout",
        STRIPE_API_BASE=silent_stripe,
        STRIPE_TIMEOUT_SECONDS=0.3,
    )
    with app.app_context():
        assert not gateway.is_simulated()
        started = time.monotonic()
        with pytest.raises(stripe.APIConnectionError):
            gateway.retrieve_account("acct_never_answered")
        took = time.monotonic() - started
    # Three attempts of 0.3 s plus the SDK's backoff between them: seconds, not 3 × 80.
    assert took < 6


def test_the_default_bounds_every_attempt_below_the_worker_timeout():
    app = create_app("test", STRIPE_SECRET_KEY="sk_test_timeout")
    attempts = 3  # max_network_retries=2
    assert attempts * app.config["STRIPE_TIMEOUT_SECONDS"] < 30
