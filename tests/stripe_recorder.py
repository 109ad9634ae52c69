"""Records what passes through the Stripe emulator during a test and says where it differs from
Stripe: request parameters (tests/stripe_requests.py), response bodies, error bodies and events
(tests/stripe_shapes.py). Registered by tests/conftest.py for every test."""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from app.payments.emulator.idempotency import ApiResponse
from tests.stripe_requests import returned_object, validate_request
from tests.stripe_shapes import validate_error, validate_object

SHOWN = 40
INDEX = re.compile(r"\[\d+\]")
ID = re.compile(r"\b[a-z]{2,5}_(?:test_)?[A-Za-z0-9]{10,}\b")


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes


class StripeTrafficRecorder:
    """An emulator observer (app/payments/emulator/observers.py)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.exchanges: list[Exchange] = []
        self.events: list[dict[str, Any]] = []

    def request_answered(
        self, method: str, path: str, params: dict[str, Any], response: ApiResponse
    ) -> None:
        exchange = Exchange(method, path, copy.deepcopy(params), response.status, response.body)
        with self._lock:
            self.exchanges.append(exchange)

    def event_created(self, event: dict[str, Any]) -> None:
        snapshot = json.loads(json.dumps(event))  # as the webhook body will carry it
        with self._lock:
            self.events.append(snapshot)

    def clear(self) -> None:
        with self._lock:
            self.exchanges, self.events = [], []

    def problems(self) -> list[str]:
        with self._lock:
            exchanges, events = list(self.exchanges), list(self.events)
        found = [p for exchange in exchanges for p in exchange_problems(exchange)]
        for event in events:
            found += validate_object(event, f"event {event.get('type')} {event.get('id')}")
        return similar_merged(found)


def exchange_problems(exchange: Exchange) -> list[str]:
    """A 2xx answers a request Stripe accepts with Stripe's object; anything else answers
    with Stripe's error body (a refused request may have parameters Stripe refuses too)."""
    method, path, status = exchange.method, exchange.path, exchange.status
    where = f"{method} {path} → {status}"
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return [f"{where}: the body is not JSON"]
    if 200 <= status < 300:
        problems = [
            f"accepted, but Stripe refuses it: {p}"
            for p in validate_request(method, path, exchange.params)
        ]
        problems += validate_object(body, f"{where} {body.get('object', '')}")
        return problems + _kind_problems(method, path, body, where)
    problems = validate_error(body, f"{where} error body")
    message = str((body.get("error") or {}).get("message", ""))
    if status >= 500 and message.startswith("Emulator failure"):
        problems.append(f"{where}: the emulator crashed: {message}")
    return problems


def _kind_problems(method: str, path: str, body: dict[str, Any], where: str) -> list[str]:
    """The endpoint answers with the object (or list of objects) the SDK says it returns."""
    expected, items = returned_object(method, path)
    found = [(where, body.get("object"), expected)]
    if items and isinstance(body.get("data"), list):
        found += [
            (f"{where}.data[{i}]", item.get("object"), items)
            for i, item in enumerate(body["data"])
            if isinstance(item, dict)
        ]
    return [
        f"{place}: answered a {kind!r}, Stripe answers a {wanted!r}"
        for place, kind, wanted in found
        if wanted and kind != wanted
    ]


def similar_merged(problems: list[str]) -> list[str]:
    """One line per kind of problem: list positions and object ids are what vary."""
    counts: dict[str, tuple[str, int]] = {}
    for problem in problems:
        key = ID.sub("<id>", INDEX.sub("[]", problem))
        first, seen = counts.get(key, (problem, 0))
        counts[key] = (first, seen + 1)
    return [first if n == 1 else f"{first} (×{n})" for first, n in counts.values()]


def report(problems: list[str]) -> str:
    shown = "\n  ".join(problems[:SHOWN])
    more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return (
        "Stripe emulator traffic in this test differs from Stripe's published shapes "
        f"(the installed stripe package's types):\n  {shown}{more}"
    )
