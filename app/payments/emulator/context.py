"""What a handler sees of one request: the store, the time, the account and an outbox."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import observers
from .faults import Faults
from .objects import Obj, new_object
from .settlement import Settings
from .state import PLATFORM, Store

API_VERSION = "2026-10-28.endive"


@dataclass
class Ctx:
    store: Store
    now: int
    faults: Faults
    hosted_base: str
    account: str | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    availability_delay: int = 0
    capture_delay: int | None = None  # seconds until a charge is booked (None: at once)
    count_endpoints: Callable[[Obj], int] = lambda _: 0
    settings: Settings = field(default_factory=Settings)
    outbox: list[Obj] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.account or PLATFORM

    def find(self, kind: str, object_id: Any, param: str = "id") -> Obj:
        return self.store.find(kind, object_id, self.account, param)

    def add(self, obj: Obj, owner: str | None = None, private: dict[str, Any] | None = None) -> Obj:
        return self.store.add(obj, owner if owner is not None else self.account, private)

    def emit(
        self, type: str, obj: Obj, account: str | None = None, previous: Obj | None = None
    ) -> Obj:
        """Record an event with a snapshot of `obj`; it is delivered after the request.

        An event of a request made with Stripe-Account is that connected account's (it
        carries `account` and goes to Connect endpoints), as on Stripe."""
        account = account or self.account
        data: Obj = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        request = {"id": self.request_id, "idempotency_key": self.idempotency_key}
        event = new_object(
            "evt_",
            "event",
            self.now,
            type=type,
            data=data,
            api_version=API_VERSION,
            request=request,
            pending_webhooks=0,
        )
        if account:
            event["account"] = account
        event["pending_webhooks"] = self.count_endpoints(event)
        self.store.add(event, account)
        self.outbox.append(event)
        observers.event_created(event)
        return event
