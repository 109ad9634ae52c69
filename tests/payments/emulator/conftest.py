"""Fixtures for the Stripe emulator tests: everything goes through the real stripe SDK.

These tests need no database; run them alone with `--confcutdir=tests/payments/emulator`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import stripe
from emulator_support import HOSTED, NOW, session_params
from werkzeug.test import Client

from app.payments.emulator import Emulator, create_wsgi_app, make_stripe_client


@pytest.fixture
def emulator() -> Emulator:
    emu = Emulator(hosted_base_url=HOSTED)
    emu.set_time(NOW)
    return emu


@pytest.fixture
def client(emulator: Emulator) -> stripe.StripeClient:
    return make_stripe_client(emulator, hosted_base_url=HOSTED)


@pytest.fixture
def web(emulator: Emulator) -> Client:
    """A browser (or raw HTTP caller) on the emulator's WSGI app."""
    return Client(create_wsgi_app(emulator))


@pytest.fixture
def paid_charge(client: stripe.StripeClient, emulator: Emulator) -> Callable[..., stripe.Charge]:
    """Fund a Checkout Session and return its charge."""

    def make(amount: int = 10_000, currency: str = "usd") -> stripe.Charge:
        session = client.v1.checkout.sessions.create(session_params(amount, currency))
        emulator.pay_checkout_session(session.id)
        session = client.v1.checkout.sessions.retrieve(
            session.id, {"expand": ["payment_intent.latest_charge"]}
        )
        return session.payment_intent.latest_charge

    return make


@pytest.fixture
def onboarded_account(
    client: stripe.StripeClient, emulator: Emulator
) -> Callable[..., stripe.Account]:
    """An Express account that finished onboarding, so it can receive transfers."""

    def make(email: str = "kol@example.com") -> stripe.Account:
        account = client.v1.accounts.create(
            {
                "type": "express",
                "country": "US",
                "email": email,
                "capabilities": {"transfers": {"requested": True}},
            }
        )
        emulator.complete_onboarding(account.id)
        return client.v1.accounts.retrieve(account.id)

    return make
