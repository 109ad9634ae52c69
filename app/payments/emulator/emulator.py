"""The Emulator: state behind one lock, the clock, switches and helpers for tests."""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from . import observers
from .actions import HumanActions
from .api import handle_api_request
from .context import Ctx
from .faults import Faults
from .idempotency import ApiResponse
from .params import Params
from .settlement import Settings
from .sqlite_state import SqliteState
from .state import Clock, Store
from .timers import run_due
from .webhooks import (
    BackgroundDelivery,
    Deliver,
    Delivery,
    Event,
    Sent,
    WebhookDispatcher,
    WebhookEndpoint,
    claim_due,
    owe,
    record,
    stable_endpoint_id,
)

T = TypeVar("T")
DEFAULT_HOSTED_BASE = "http://127.0.0.1:5000/emulator"
log = logging.getLogger(__name__)


class Emulator(HumanActions):
    """A stateful Stripe for the endpoints the marketplace uses: in memory, or shared by
    every process through a SQLite file at `state_path` (`sqlite_state`)."""

    def __init__(
        self,
        state_path: str | os.PathLike[str] | None = None,
        *,
        hosted_base_url: str = DEFAULT_HOSTED_BASE,
        availability_delay: int = 0,
        webhook_thread: bool = False,
        settings: Settings | None = None,
        capture_delay: int | None = None,
        sweep_every: float | None = None,
    ) -> None:
        """`webhook_thread=True` delivers on a background thread instead of before the call
        that caused the events returns; `availability_delay` holds new funds pending.

        `capture_delay` (settable later): None books a paid charge's balance transaction at
        once; N leaves `charge.balance_transaction` null for N seconds of the emulator's clock
        (0: until the next call), then sets it and sends `charge.updated`, as Stripe's
        asynchronous capture does. `sweep_every`: seconds between sweeps on a background
        thread (timers and webhook retries, see `sweep`), for a server where no test moves
        the clock."""
        self.lock = threading.RLock()
        self._shared = SqliteState(state_path) if state_path else None
        self.store = Store(tracked=self._shared is not None)
        self._clock = Clock()
        self.faults = Faults()
        self.webhooks = WebhookDispatcher(lambda: self.store.deliveries)
        self.hosted_base_url = hosted_base_url.rstrip("/")
        self.availability_delay = availability_delay
        self.settings = settings or Settings()
        self.capture_delay = capture_delay
        self._background = BackgroundDelivery(self._deliver) if webhook_thread else None
        self._depth = 0
        self._sweep_every = sweep_every
        self._sweeper_pid: int | None = None
        _LIVING.add(self)

    def _forked(self) -> None:
        """In a forked child (an RQ work-horse, a gunicorn worker): a lock another thread of
        the parent held at the fork would stay held forever."""
        self.lock, self._depth = threading.RLock(), 0

    # -- clock -----------------------------------------------------------------------------
    @property
    def clock(self) -> int:
        return self._clock.now()

    @clock.setter
    def clock(self, unix: int) -> None:
        self.set_time(unix)

    def set_time(self, unix: int) -> None:
        """Set the clock (it stays there), then do and send what fell due (`sweep`)."""
        self._sweep(move=lambda clock: clock.set(unix))

    def advance(self, seconds: int) -> None:
        """Move the clock on, then do and send what fell due (`sweep`)."""
        self._sweep(move=lambda clock: clock.advance(seconds))

    def reset(self, keep_endpoints: bool = True) -> None:
        """Forget every object, event, key, owed delivery, fault and clock setting."""
        with self.lock:
            endpoints = self.webhooks.endpoints if keep_endpoints else []
            self.store = Store(tracked=self._shared is not None)
            self._clock, self.faults = Clock(), Faults()
            self.webhooks = WebhookDispatcher(lambda: self.store.deliveries)
            self.webhooks.endpoints = endpoints
            if self._shared:
                self._shared.reset()

    # -- running work under the lock ---------------------------------------------------------
    def transact(
        self,
        work: Callable[[Ctx], T],
        *,
        account: str | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        hosted_base: str | None = None,
    ) -> T:
        """Run `work` in one transaction, then deliver its events outside the lock.

        Timers that fell due run first; their events are owed (sent by the next `sweep`), not
        sent after this call: the caller may be inside its own database transaction."""
        outbox: list[Event] = []
        try:
            with self._transaction():
                self._run_timers(None)
                ctx = self._ctx(
                    outbox,
                    account=account,
                    request_id=request_id,
                    idempotency_key=idempotency_key,
                    hosted_base=hosted_base,
                )
                return work(ctx)
        finally:
            self._dispatch(outbox)

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[None]:
        """The lock and, with a state file, a SQLite transaction: the store is brought up to
        date first and what changed is saved at the end (also when the work raised, as the
        in-memory store keeps partial changes too). A nested call joins the outer one."""
        with self.lock:
            self._start_sweeper()
            if self._shared is None or self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.store = self._shared.begin(self.store, self._clock, write)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                self._shared.commit(self.store, self._clock)

    def _ctx(
        self,
        outbox: list[Event],
        *,
        account: str | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        hosted_base: str | None = None,
    ) -> Ctx:
        return Ctx(
            store=self.store,
            now=self._clock.now(),
            faults=self.faults,
            hosted_base=(hosted_base or self.hosted_base_url).rstrip("/"),
            account=account,
            request_id=request_id,
            idempotency_key=idempotency_key,
            availability_delay=self.availability_delay,
            capture_delay=self.capture_delay,
            count_endpoints=self.webhooks.count_for,
            settings=self.settings,
            outbox=outbox,
        )

    def _run_timers(self, outbox: list[Event] | None) -> None:
        """Due timers; their events go to `outbox`, or with None are owed to the endpoints."""
        events: list[Event] = []
        if not run_due(self.store, self._clock.now(), lambda a: self._ctx(events, account=a)):
            return
        if outbox is not None:
            outbox.extend(events)
            return
        for event in events:
            for endpoint in self.webhooks.endpoints:
                if endpoint.wants(event):
                    owe(self.store, event, endpoint.id, self._clock.now())

    # -- what happens on its own: timers and webhook retries ---------------------------------
    def sweep(self) -> list[Delivery]:
        """Do what fell due on the clock (expiries, captures) and send the webhook deliveries
        that are due (first attempts owed and retries), as Stripe would on its own; returns
        the deliveries attempted. Run by `advance`/`set_time`, every `sweep_every` seconds
        on a background thread, or by a test."""
        return self._sweep()

    def _sweep(
        self, move: Callable[[Clock], None] | None = None, everything: bool = False
    ) -> list[Delivery]:
        outbox: list[Event] = []
        claimed: list[tuple[Event, WebhookEndpoint]] = []
        try:
            with self._transaction():
                if move is not None:
                    move(self._clock)
                self._run_timers(outbox)
                if everything or not self.faults.hold:
                    claimed = claim_due(self.store, self.webhooks, self._clock.now(), everything)
        finally:
            self._dispatch(outbox)
        sent = [
            (event, endpoint, self.webhooks.deliver(event, endpoint)) for event, endpoint in claimed
        ]
        self._record(sent)
        return [delivery for _, _, delivery in sent]

    def _record(self, sent: list[Sent]) -> None:
        if sent:
            with self._transaction():
                record(self.store, sent, self._clock.now())

    def _start_sweeper(self) -> None:
        if self._sweep_every and self._sweeper_pid != os.getpid():
            self._sweeper_pid = os.getpid()  # a forked worker starts its own
            name = "stripe-emulator-sweeper"
            threading.Thread(target=self._sweep_forever, name=name, daemon=True).start()

    def _sweep_forever(self) -> None:
        while True:
            time.sleep(self._sweep_every or 60)
            try:
                self.sweep()
            except Exception:  # the thread must live on; the next sweep tries again
                log.exception("the Stripe emulator's sweep failed")

    def handle_api(
        self, method: str, path: str, params: Params, headers: Mapping[str, str]
    ) -> ApiResponse:
        response = handle_api_request(self, method, path, params, headers)
        observers.request_answered(method.upper(), path, params, response)
        return response

    # -- webhooks --------------------------------------------------------------------------
    def add_webhook_endpoint(
        self,
        target: str | Deliver,
        secret: str,
        *,
        connect: bool | None = None,
        enabled_events: list[str] | None = None,
        endpoint_id: str | None = None,
    ) -> WebhookEndpoint:
        """Deliver events to a URL or to `target(payload_bytes, headers) -> status`. The id
        is the same in every process registering the same endpoint in the same order, so a
        retry owed by one can be sent by another."""
        position = len(self.webhooks.endpoints)
        endpoint = WebhookEndpoint(target, secret, connect, enabled_events)
        endpoint.id = endpoint_id or stable_endpoint_id(
            position, target, secret, connect, enabled_events
        )
        self.webhooks.endpoints.append(endpoint)
        return endpoint

    def remove_webhook_endpoints(self) -> None:
        self.webhooks.endpoints.clear()

    def _dispatch(self, events: list[Event]) -> None:
        if not events:
            return
        if self.faults.hold:
            self.webhooks.hold(events)
            return
        order = "shuffle" if self.faults.shuffle else "fifo"
        copies = 2 if self.faults.duplicate else 1
        if self._background:
            self._background.submit(events, order, copies)
        else:
            self._deliver(events, order, copies)

    def _deliver(self, events: list[Event], order: str, copies: int) -> None:
        """Send, and keep what failed for its retries."""
        sent = self.webhooks.deliver_all(events, order, copies)
        self._record([item for item in sent if not item[2].ok])

    def wait_for_webhooks(self) -> None:
        """With `webhook_thread=True`, block until every queued event was delivered."""
        if self._background:
            self._background.join()

    def hold_webhooks(self, on: bool = True) -> None:
        self.faults.hold_webhooks(on)

    def flush_webhooks(self, order: str = "fifo") -> int:
        """Deliver held events in `order` ("fifo", "reverse" or "shuffle"); return how many."""
        events = self.webhooks.take_held()
        self._deliver(events, order, copies=2 if self.faults.duplicate else 1)
        return len(events)

    def replay_event(self, event_id: str) -> list[Delivery]:
        event = self.get(event_id)
        if event is None or event["object"] != "event":
            raise KeyError(event_id)
        endpoints = [e for e in self.webhooks.endpoints if e.wants(event)]
        sent = [(event, endpoint, self.webhooks.deliver(event, endpoint)) for endpoint in endpoints]
        self._record(sent)
        return [delivery for _, _, delivery in sent]

    def retry_failed_deliveries(self) -> list[Delivery]:
        """Send every owed delivery now, due or not (a sweep that does not wait)."""
        return self._sweep(everything=True)

    @property
    def failed_deliveries(self) -> list[tuple[dict[str, Any], WebhookEndpoint]]:
        """(event, endpoint) of each delivery that failed and is waiting for its retry."""
        return [
            (self.get(owed["event"]) or {}, endpoint)
            for owed in self.owed_deliveries()
            if owed["attempts"] and (endpoint := self.webhooks.endpoint(owed["endpoint"]))
        ]

    def owed_deliveries(self) -> list[dict[str, Any]]:
        """The deliveries still owed: event, endpoint, attempts, next_attempt, last_status."""
        with self._transaction(write=False):
            return copy.deepcopy(list(dict.values(self.store.deliveries)))

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.webhooks.log)

    # -- inspection and helpers for tests --------------------------------------------------
    def get(self, object_id: str) -> dict[str, Any] | None:
        """A copy of any stored object, whatever its account."""
        with self._transaction(write=False):
            found = self.store.objects.get(object_id)
            return copy.deepcopy(found) if found is not None else None

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every event, oldest first, optionally of one type."""
        with self._transaction(write=False):
            found = [
                copy.deepcopy(o)
                for o in self.store.objects.values()
                if o["object"] == "event" and (type is None or o["type"] == type)
            ]
        return found


_LIVING: weakref.WeakSet[Emulator] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for emulator in list(_LIVING):
        emulator._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)
