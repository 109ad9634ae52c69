"""What every stripe-check scenario uses: the run's state, what a scenario saw, and patience
with what Stripe finishes after it answers (a dispute opening, a refund settling)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.payments import gateway
from app.payments.stripe_check.targets import Target

T = TypeVar("T")
Obj = dict[str, Any]
# Events may carry a `created` a little before our clock says the run started.
CLOCK_SLACK = 300


@dataclass
class Outcome:
    """What one scenario saw on one target."""

    facts: dict[str, Any] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        return not self.problems and self.error is None and self.skipped is None

    def expect(self, holds: bool, rule: str) -> None:
        if not holds:
            self.problems.append(rule)


@dataclass
class Run:
    """One pass over the scenarios on one target, and what earlier scenarios leave to later ones."""

    target: Target
    run_id: str
    currency: str
    started: int
    account: str | None = None
    charge: Obj | None = None
    transfer: Obj | None = None

    @property
    def client(self) -> Any:
        return self.target.client

    @property
    def contract(self) -> int:
        return self.started

    @property
    def tag(self) -> dict[str, str]:
        """On every object, so an operator can find this run's objects in the Dashboard."""
        return {"stripe_check": self.run_id}

    def options(self, step: str, account: str | None = None) -> dict[str, str]:
        """Our own idempotency key on every write, as the app sends one."""
        options = {"idempotency_key": f"stripe-check-{self.run_id}-{step}"}
        return {**options, "stripe_account": account} if account else options


def plain(obj: Any) -> Obj:
    return obj.to_dict()


def pair(*values: Any) -> str:
    """Values side by side in one cell, written as JSON writes them (true, null, 10500)."""
    return ", ".join(value if isinstance(value, str) else json.dumps(value) for value in values)


def settle(run: Run, read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """Read until `done` or the target's patience ends; Stripe finishes some work after it
    answers. Returns the last reading either way: the scenario reports what it saw."""
    value = read()
    for _ in range(run.target.polls):
        if done(value):
            break
        run.target.pause()
        value = read()
    return value


def events_about(
    run: Run, ids: Iterable[str], wanted: Iterable[str] = (), account: str | None = None
) -> list[str]:
    """The types of the events about `ids` since the run began, oldest first; waits until
    every `wanted` type is among them (or the target's patience ends)."""
    ids, wanted = set(ids), set(wanted)

    def read() -> list[str]:
        params = {"created": {"gte": run.started - CLOCK_SLACK}, "limit": 100}
        page = run.client.v1.events.list(params, {"stripe_account": account} if account else None)
        found = [plain(event) for event in page.auto_paging_iter()]
        return [event["type"] for event in reversed(found) if _about(event, ids)]

    return settle(run, read, lambda types: wanted <= set(types))


def _about(event: Obj, ids: set[str]) -> bool:
    obj = event["data"]["object"]
    return any(obj.get(name) in ids for name in ("id", "charge", "payment_intent"))


def refusal(call: Callable[[], Any]) -> str:
    """Stripe's error code for a call that should be refused, or "accepted"."""
    try:
        call()
    except gateway.StripeError as error:
        return str(error.code or type(error).__name__)
    return "accepted"
