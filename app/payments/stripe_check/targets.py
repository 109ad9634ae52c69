"""Where the scenarios run: Stripe's test mode (a test key) or the built-in emulator.

A target is a real `stripe.StripeClient` plus the target's way of letting time pass while
Stripe finishes something it answers before doing (a dispute opening, a refund settling).
The scenarios see nothing else, so they are the same code on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.payments import gateway
from app.payments.emulator import Emulator, make_stripe_client
from app.payments.emulator.settlement import Settings

STRIPE = "stripe"
EMULATOR = "emulator"
POLL_SECONDS = 2
# The emulator holds card funds as Stripe does for a new US account (two days), so that
# `pm_card_bypassPending` has something to bypass.
EMULATOR_AVAILABILITY_DELAY = 2 * 24 * 3600


class KeyRefused(ValueError):
    """STRIPE_TEST_SECRET_KEY is not a test-mode secret key."""


@dataclass
class Target:
    name: str
    client: Any  # a stripe.StripeClient (only the gateway imports stripe)
    pause: Callable[[], None]
    polls: int
    description: str


def check_test_key(key: str) -> None:
    """Refuse anything but a test-mode key, naming the kind and never echoing the key."""
    if key.startswith(("sk_live_", "rk_live_")):
        raise KeyRefused(
            "refused: STRIPE_TEST_SECRET_KEY is a LIVE key; stripe-check moves money and runs "
            "only in Stripe's test mode (sk_test_...)"
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise KeyRefused(
            "refused: STRIPE_TEST_SECRET_KEY is not a Stripe test secret key (sk_test_...)"
        )


def stripe_target(key: str, *, api_base: str | None = None, settle_seconds: int = 60) -> Target:
    """Stripe's test mode through the official SDK (or whatever `api_base` points at)."""
    check_test_key(key)
    where = api_base or "api.stripe.com"
    return Target(
        name=STRIPE,
        client=gateway.client_for_test_mode(key, api_base=api_base),
        pause=lambda: time.sleep(POLL_SECONDS),
        polls=max(1, settle_seconds // POLL_SECONDS),
        description=f"Stripe test mode at {where}",
    )


def emulator_target(
    settlement_currencies: tuple[str, ...], *, settle_seconds: int = 60
) -> tuple[Target, Emulator]:
    """A fresh in-memory emulator (never the app's own state) and a client on it."""
    emulator = Emulator(
        availability_delay=EMULATOR_AVAILABILITY_DELAY,
        settings=Settings(settlement_currencies=settlement_currencies),
    )

    def pause() -> None:
        # Time passes on the emulator's clock, and with it what Stripe processes in that time.
        emulator.advance(POLL_SECONDS)
        emulator.settle_refunds()

    target = Target(
        name=EMULATOR,
        client=make_stripe_client(emulator),
        pause=pause,
        polls=max(1, settle_seconds // POLL_SECONDS),
        description="built-in emulator (in-process, fresh state, settles in "
        + ", ".join(settlement_currencies)
        + ")",
    )
    return target, emulator
