"""Work that falls due on the emulator's clock, whether or not anyone asks then: a Checkout
Session expires (`checkout.session.expired`), an asynchronous capture books its balance
transaction (`charge.updated`). Run at the start of every transaction, so no call ever sees
a session open past its expiry, and by `Emulator.sweep()`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .checkout import find_session
from .context import Ctx
from .payments import capture_balance
from .state import PLATFORM, Store

TASKS: dict[str, Callable[[Ctx, str], object]] = {
    "expire": find_session,  # expires the session when its time has come
    "capture": capture_balance,
}
log = logging.getLogger(__name__)


def run_due(store: Store, now: int, ctx_for: Callable[[str | None], Ctx]) -> int:
    """Run every timer due at `now`, oldest first, each in a context of the account that
    owns its object (so its events carry that account); returns how many ran."""
    if store.next_due is None:
        store.next_due = min((t["due"] for t in dict.values(store.timers)), default=2**62)
    if now < store.next_due:
        return 0  # the common case, checked in O(1) at the start of every transaction
    store.next_due = None
    due = [timer for timer in dict.values(store.timers) if timer["due"] <= now]
    for timer in sorted(due, key=lambda t: (t["due"], t["object"])):
        store.timers.pop(f"{timer['task']}:{timer['object']}")
        owner = store.owner(timer["object"])
        try:
            TASKS[timer["task"]](ctx_for(None if owner == PLATFORM else owner), timer["object"])
        except Exception:  # an emulator bug: logged, and the call that ran it still answers
            log.exception("the Stripe emulator's timer %s failed", timer)
    return len(due)
