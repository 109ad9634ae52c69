"""Signed webhook delivery to in-process callables or URLs, and Stripe's retries.

A delivery that fails (not 2xx, or an exception) is owed: it is kept with the emulator's state
(`Store.deliveries`, shared by every process) and retried with exponential backoff on the
emulator's clock, 1 minute after the first attempt, then 2, 4, 8 … minutes (at most 12 hours
apart), until 3 days after the event, as Stripe does in live mode (Stripe does not publish
its intervals; in test mode it retries only three times over a few hours)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import random
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .state import Store, new_id

Deliver = Callable[[bytes, dict[str, str]], int]
Event = dict[str, Any]
RETRY_FOR = 3 * 24 * 3600
FIRST_RETRY = 60
LONGEST_WAIT = 12 * 3600
log = logging.getLogger(__name__)


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
    """Delivers outside the emulator's lock; what failed is owed in `Store.deliveries`."""

    def __init__(self, owed: Callable[[], dict[str, Any]] = dict) -> None:
        self.endpoints: list[WebhookEndpoint] = []
        self.held: list[Event] = []
        self.log: list[Delivery] = []
        self._owed = owed
        self._lock = threading.Lock()

    @property
    def failed(self) -> dict[str, Any]:
        """The deliveries still owed, by `endpoint_id/event_id` (`.clear()` forgets them)."""
        return self._owed()

    def count_for(self, event: Event) -> int:
        return sum(1 for endpoint in self.endpoints if endpoint.wants(event))

    def endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        return next((e for e in self.endpoints if e.id == endpoint_id), None)

    def hold(self, events: list[Event]) -> None:
        with self._lock:
            self.held.extend(events)

    def take_held(self) -> list[Event]:
        with self._lock:
            events, self.held = self.held, []
        return events

    def deliver_all(self, events: list[Event], order: str = "fifo", copies: int = 1) -> list[Sent]:
        sent: list[Sent] = []
        for event in ordered(events, order):
            for _ in range(copies):
                for endpoint in list(self.endpoints):
                    if endpoint.wants(event):
                        sent.append((event, endpoint, self.deliver(event, endpoint)))
        return sent

    def deliver(self, event: Event, endpoint: WebhookEndpoint) -> Delivery:
        try:
            delivery = Delivery(event["id"], endpoint.id, endpoint.send(event_payload(event)))
        except Exception as exc:
            delivery = Delivery(event["id"], endpoint.id, None, repr(exc))
        with self._lock:
            self.log.append(delivery)
        return delivery


Sent = tuple[Event, WebhookEndpoint, Delivery]


def stable_endpoint_id(
    position: int,
    target: str | Deliver,
    secret: str,
    connect: bool | None,
    enabled_events: list[str] | None,
) -> str:
    """The same id in every process that registers the same endpoint in the same place, so
    any of them can retry a delivery another one owes."""
    name = target if isinstance(target, str) else getattr(target, "__qualname__", "callable")
    seed = json.dumps([position, name, secret, connect, enabled_events])
    return "we_" + hashlib.sha256(seed.encode()).hexdigest()[:24]


# -- deliveries owed, kept in the store ----------------------------------------------------------
def retry_delay(attempts: int) -> int:
    """Seconds from the `attempts`-th attempt to the next one."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def owed_key(event_id: str, endpoint_id: str) -> str:
    return f"{endpoint_id}/{event_id}"


def owe(store: Store, event: Event, endpoint_id: str, now: int) -> None:
    """Queue a first attempt (for events the emulator makes on its own, e.g. on a timer)."""
    store.deliveries[owed_key(event["id"], endpoint_id)] = {
        "event": event["id"],
        "endpoint": endpoint_id,
        "event_created": event["created"],
        "attempts": 0,
        "next_attempt": now,
        "last_status": None,
        "last_error": None,
    }


def claim_due(
    store: Store, dispatcher: WebhookDispatcher, now: int, everything: bool = False
) -> list[tuple[Event, WebhookEndpoint]]:
    """The owed deliveries due now (all with `everything`) to this process's endpoints, each
    rescheduled for its next attempt first: a process that dies while sending leaves it due
    again later, and two processes never send the same attempt."""
    claimed = []
    owed = sorted(dict.items(store.deliveries), key=lambda kv: (kv[1]["next_attempt"], kv[0]))
    for key, entry in owed:
        endpoint = dispatcher.endpoint(entry["endpoint"])
        if endpoint is None or (entry["next_attempt"] > now and not everything):
            continue
        event = store.get(entry["event"])
        if event is None:
            store.deliveries.pop(key)
            continue
        attempts = entry["attempts"] + 1
        store.deliveries[key] = {
            **entry,
            "attempts": attempts,
            "next_attempt": now + retry_delay(attempts),
        }
        claimed.append((event, endpoint))
    return claimed


def record(store: Store, sent: list[Sent], now: int) -> None:
    """After sending: forget what succeeded, keep what failed for its next attempt, give up
    3 days after the event."""
    for event, endpoint, delivery in sent:
        key = owed_key(event["id"], endpoint.id)
        entry = store.deliveries.get(key)
        if delivery.ok:
            if entry is not None:
                store.deliveries.pop(key)
            continue
        if entry is None:
            entry = {
                "event": event["id"],
                "endpoint": endpoint.id,
                "event_created": event["created"],
                "attempts": 1,
                "next_attempt": now + retry_delay(1),
            }
        entry = {**entry, "last_status": delivery.status, "last_error": delivery.error}
        if entry["next_attempt"] > entry["event_created"] + RETRY_FOR:
            store.deliveries.pop(key, None)
            log.warning("gave up delivering %s to %s after 3 days", event["id"], endpoint.id)
        else:
            store.deliveries[key] = entry


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

    def __init__(self, deliver: Callable[[list[Event], str, int], object]) -> None:
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
