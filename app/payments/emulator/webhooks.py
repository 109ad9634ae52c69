"""Signed webhook delivery to in-process callables or URLs, with a retry list."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import random
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .state import new_id

Deliver = Callable[[bytes, dict[str, str]], int]
Event = dict[str, Any]


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value Stripe would send for `payload`."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{t}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_payload(event: Event) -> bytes:
    return json.dumps(event, indent=2).encode()


@dataclass
class WebhookEndpoint:
    """`connect`: None receives every event, True only connected accounts', False only ours."""

    target: str | Deliver
    secret: str
    connect: bool | None = None
    enabled_events: list[str] | None = None
    id: str = field(default_factory=lambda: new_id("we_"))

    def wants(self, event: Event) -> bool:
        if self.connect is not None and self.connect != bool(event.get("account")):
            return False
        return self.enabled_events is None or event["type"] in self.enabled_events

    def send(self, payload: bytes) -> int:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign_payload(payload, self.secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if callable(self.target):
            return int(self.target(payload, headers))
        if not str(self.target).startswith(("http://", "https://")):
            raise ValueError("webhook endpoints must be http(s) URLs")
        request = urllib.request.Request(self.target, payload, headers, method="POST")  # noqa: S310
        # Only http(s), checked above; the target comes from our own emulator configuration.
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 # nosec B310
            return int(response.status)


@dataclass
class Delivery:
    event_id: str
    endpoint_id: str
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookDispatcher:
    """Delivers outside the emulator's lock; keeps failures for `retry_failed`."""

    def __init__(self) -> None:
        self.endpoints: list[WebhookEndpoint] = []
        self.held: list[Event] = []
        self.failed: list[tuple[Event, WebhookEndpoint]] = []
        self.log: list[Delivery] = []
        self._lock = threading.Lock()

    def count_for(self, event: Event) -> int:
        return sum(1 for endpoint in self.endpoints if endpoint.wants(event))

    def hold(self, events: list[Event]) -> None:
        with self._lock:
            self.held.extend(events)

    def take_held(self) -> list[Event]:
        with self._lock:
            events, self.held = self.held, []
        return events

    def deliver_all(self, events: list[Event], order: str = "fifo", copies: int = 1) -> None:
        for event in ordered(events, order):
            for _ in range(copies):
                for endpoint in list(self.endpoints):
                    if endpoint.wants(event):
                        self.deliver(event, endpoint)

    def deliver(self, event: Event, endpoint: WebhookEndpoint) -> Delivery:
        try:
            delivery = Delivery(event["id"], endpoint.id, endpoint.send(event_payload(event)))
        except Exception as exc:
            delivery = Delivery(event["id"], endpoint.id, None, repr(exc))
        with self._lock:
            self.log.append(delivery)
            if not delivery.ok:
                self.failed.append((event, endpoint))
        return delivery

    def retry_failed(self) -> list[Delivery]:
        with self._lock:
            pending, self.failed = self.failed, []
        return [self.deliver(event, endpoint) for event, endpoint in pending]


def ordered(events: list[Event], order: str) -> list[Event]:
    if order == "reverse":
        return list(reversed(events))
    if order == "shuffle":
        shuffled = list(events)
        random.shuffle(shuffled)
        if len(shuffled) > 1 and shuffled == events:
            shuffled.reverse()
        return shuffled
    if order != "fifo":
        raise ValueError(f"unknown webhook order: {order}")
    return list(events)


class BackgroundDelivery:
    """Delivers on a daemon thread, for a dev server whose webhook route needs the database
    that the request calling Stripe still holds."""

    def __init__(self, deliver: Callable[[list[Event], str, int], None]) -> None:
        self._deliver = deliver
        self._queue: queue.Queue[tuple[list[Event], str, int]] = queue.Queue()
        threading.Thread(target=self._run, name="stripe-emulator-webhooks", daemon=True).start()

    def submit(self, events: list[Event], order: str, copies: int) -> None:
        self._queue.put((events, order, copies))

    def join(self) -> None:
        self._queue.join()

    def _run(self) -> None:
        while True:
            events, order, copies = self._queue.get()
            try:
                self._deliver(events, order, copies)
            finally:
                self._queue.task_done()
