"""Shared pieces of the money hardening suites: sizes (CI vs `make soak`), printed figures,
HTTP races through the test client, what the Stripe emulator holds per contract, and free
ports for the suites that start servers of their own."""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import on_postgres

SOAK = os.environ.get("SOAK", "") == "1"


def size(name: str, ci: int, soak: int) -> int:
    """A suite's size: the env var if set, else the soak or the CI default."""
    return int(os.environ.get(name) or (soak if SOAK else ci))


THREADS = size("MONEY_THREADS", 32, 32)
OBJECTS = size("MONEY_OBJECTS", 2, 20)


@dataclass
class Figures:
    """What a suite tried and saw, printed at the end so a reader sees what was proven."""

    suite: str
    counts: Counter = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def show(self) -> str:
        line = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        text = f"[money figures] {self.suite}: {line}"
        print(text)
        return text


def shared_client(app: Flask, cookie: str | None) -> FlaskClient:
    """A client of its own carrying an already logged-in session cookie (no login per thread)."""
    client = app.test_client()
    if cookie:
        client.set_cookie("session", cookie, domain="localhost")
    return client


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain="localhost") or client.get_cookie("session")
    assert cookie is not None, "not logged in"
    return cookie.value


def race(n: int, call: Callable[[int], tuple[int, str]]) -> Counter:
    """Run ``call(i)`` for i in range(n) on n threads released at once; count the outcomes.

    ``call`` returns (HTTP status, label); an exception is counted as a server error."""
    barrier = threading.Barrier(n)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            status, label = call(i)
            result = f"{status} {label}".strip()
        except Exception as error:  # counted, then asserted to be zero by the suites
            result = f"EXC {type(error).__name__}: {error}"[:300]
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(outcomes.values()) == n, f"threads did not finish: {outcomes}"
    return outcomes


def server_errors(outcomes: Counter) -> int:
    return sum(n for k, n in outcomes.items() if k.startswith("EXC") or k[:1] == "5")


def emulator_objects(emulator, kind: str, **metadata: str) -> list[dict]:
    """Objects of ``kind`` in the emulator whose metadata has every given value (re-read from
    its state file first when worker processes share it)."""
    emulator.transact(lambda ctx: None)
    with emulator.lock:
        found = [
            dict(o)
            for o in emulator.store.objects.values()
            if o.get("object") == kind
            and all((o.get("metadata") or {}).get(k) == str(v) for k, v in metadata.items())
        ]
    return found


def free_port() -> int:
    """A local TCP port nobody listens on, for a throwaway Redis or PostgreSQL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parallel_ok() -> bool:
    """Real concurrency needs PostgreSQL (SQLite ignores row locks)."""
    return on_postgres()
