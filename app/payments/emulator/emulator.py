"""The Emulator: state behind one lock, the clock, switches and helpers for tests."""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from . import connect, payments
from .api import handle_api_request
from .context import Ctx
from .faults import Faults
from .idempotency import ApiResponse
from .params import Params
from .state import Clock, JsonFile, Store
from .webhooks import BackgroundDelivery, Deliver, Delivery, WebhookDispatcher, WebhookEndpoint

T = TypeVar("T")
DEFAULT_HOSTED_BASE = "http://127.0.0.1:5000/emulator"


class Emulator:
    """A stateful in-memory Stripe for the endpoints the marketplace uses."""

    def __init__(
        self,
        state_path: str | os.PathLike[str] | None = None,
        *,
        hosted_base_url: str = DEFAULT_HOSTED_BASE,
        availability_delay: int = 0,
        webhook_thread: bool = False,
    ) -> None:
        """`webhook_thread=True` delivers on a background thread instead of before the call
        that caused the events returns; `availability_delay` holds new funds pending."""
        self.lock = threading.RLock()
        self.store = Store()
        self._clock = Clock()
        self.faults = Faults()
        self.webhooks = WebhookDispatcher()
        self.hosted_base_url = hosted_base_url.rstrip("/")
        self.availability_delay = availability_delay
        self._file = JsonFile(state_path) if state_path else None
        self._background = BackgroundDelivery(self._deliver) if webhook_thread else None

    # -- clock -----------------------------------------------------------------------------
    @property
    def clock(self) -> int:
        return self._clock.now()

    @clock.setter
    def clock(self, unix: int) -> None:
        self.set_time(unix)

    def set_time(self, unix: int) -> None:
        with self.lock:
            self._clock.set(unix)
            self._save()

    def advance(self, seconds: int) -> None:
        with self.lock:
            self._clock.advance(seconds)
            self._save()

    def reset(self, keep_endpoints: bool = True) -> None:
        """Forget every object, event, key, fault and clock setting."""
        with self.lock:
            endpoints = self.webhooks.endpoints if keep_endpoints else []
            self.store, self._clock, self.faults = Store(), Clock(), Faults()
            self.webhooks = WebhookDispatcher()
            self.webhooks.endpoints = endpoints
            if self._file:
                self._file.delete()

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
        """Run `work` under the lock, save, then deliver its events outside the lock."""
        outbox: list[dict[str, Any]] = []
        try:
            with self.lock:
                if self._file:
                    self._file.load_if_changed(self.store, self._clock)
                ctx = Ctx(
                    store=self.store,
                    now=self._clock.now(),
                    faults=self.faults,
                    hosted_base=(hosted_base or self.hosted_base_url).rstrip("/"),
                    account=account,
                    request_id=request_id,
                    idempotency_key=idempotency_key,
                    availability_delay=self.availability_delay,
                    count_endpoints=self.webhooks.count_for,
                    outbox=outbox,
                )
                try:
                    return work(ctx)
                finally:
                    self._save()
        finally:
            self._dispatch(outbox)

    def _save(self) -> None:
        if self._file:
            self._file.save(self.store, self._clock)

    def handle_api(
        self, method: str, path: str, params: Params, headers: Mapping[str, str]
    ) -> ApiResponse:
        return handle_api_request(self, method, path, params, headers)

    # -- webhooks --------------------------------------------------------------------------
    def add_webhook_endpoint(
        self,
        target: str | Deliver,
        secret: str,
        *,
        connect: bool | None = None,
        enabled_events: list[str] | None = None,
    ) -> WebhookEndpoint:
        """Deliver events to a URL or to `target(payload_bytes, headers) -> status`."""
        endpoint = WebhookEndpoint(target, secret, connect, enabled_events)
        self.webhooks.endpoints.append(endpoint)
        return endpoint

    def remove_webhook_endpoints(self) -> None:
        self.webhooks.endpoints.clear()

    def _dispatch(self, events: list[dict[str, Any]]) -> None:
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

    def _deliver(self, events: list[dict[str, Any]], order: str, copies: int) -> None:
        self.webhooks.deliver_all(events, order, copies)

    def wait_for_webhooks(self) -> None:
        """With `webhook_thread=True`, block until every queued event was delivered."""
        if self._background:
            self._background.join()

    def hold_webhooks(self, on: bool = True) -> None:
        self.faults.hold_webhooks(on)

    def flush_webhooks(self, order: str = "fifo") -> int:
        """Deliver held events in `order` ("fifo", "reverse" or "shuffle"); return how many."""
        events = self.webhooks.take_held()
        self.webhooks.deliver_all(events, order, copies=2 if self.faults.duplicate else 1)
        return len(events)

    def replay_event(self, event_id: str) -> list[Delivery]:
        event = self.get(event_id)
        if event is None or event["object"] != "event":
            raise KeyError(event_id)
        endpoints = [e for e in self.webhooks.endpoints if e.wants(event)]
        return [self.webhooks.deliver(event, endpoint) for endpoint in endpoints]

    def retry_failed_deliveries(self) -> list[Delivery]:
        return self.webhooks.retry_failed()

    @property
    def failed_deliveries(self) -> list[tuple[dict[str, Any], WebhookEndpoint]]:
        return list(self.webhooks.failed)

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.webhooks.log)

    # -- inspection and helpers for tests --------------------------------------------------
    def get(self, object_id: str) -> dict[str, Any] | None:
        """A copy of any stored object, whatever its account."""
        with self.lock:
            found = self.store.get(object_id)
            return copy.deepcopy(found) if found is not None else None

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every event, oldest first, optionally of one type."""
        with self.lock:
            found = [
                copy.deepcopy(o)
                for o in self.store.objects.values()
                if o["object"] == "event" and (type is None or o["type"] == type)
            ]
        return found

    def pay_checkout_session(
        self, session_id: str, card: str = payments.SUCCESS_CARD, email: str | None = None
    ) -> dict[str, Any]:
        """Pay as the hosted page does; a decline raises EmulatorError (type card_error)."""
        session = self.transact(lambda ctx: payments.pay_session(ctx, session_id, card, email))
        return copy.deepcopy(session)

    def create_dispute(
        self, charge_id: str, amount: int | None = None, reason: str = "fraudulent"
    ) -> dict[str, Any]:
        dispute = self.transact(lambda ctx: payments.create_dispute(ctx, charge_id, amount, reason))
        return copy.deepcopy(dispute)

    def close_dispute(self, dispute_id: str, won: bool) -> dict[str, Any]:
        dispute = self.transact(lambda ctx: payments.close_dispute(ctx, dispute_id, won))
        return copy.deepcopy(dispute)

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        account = self.transact(lambda ctx: connect.complete_onboarding(ctx, account_id))
        return copy.deepcopy(account)

    def open_onboarding_link(self, token: str) -> tuple[str, dict[str, Any] | None]:
        state, link = self.transact(lambda ctx: connect.open_link(ctx, token))
        return state, copy.deepcopy(link)

    def submit_onboarding(self, token: str, nonce: str, action: str) -> str | None:
        return self.transact(lambda ctx: connect.submit_link(ctx, token, nonce, action))

    def checkout_view(self, session_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The session (expired if due) and its line items, for the hosted page."""

        def view(ctx: Ctx) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            session = payments.find_session(ctx, session_id)
            return session, ctx.store.private[session["id"]]["line_items"]

        return copy.deepcopy(self.transact(view))
