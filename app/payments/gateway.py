"""The one place that talks to Stripe (or, with no keys, to the built-in emulator).

Every write carries an idempotency key built from our own ids, so a job that re-runs after a
crash gets Stripe's first answer back instead of moving money twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import stripe
from flask import Flask, current_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.money import offered_currencies
from app.payments.emulator import Emulator, create_wsgi_app, make_stripe_client

StripeError = stripe.StripeError
CardError = stripe.CardError
InvalidRequestError = stripe.InvalidRequestError
SignatureError = stripe.SignatureVerificationError
# The emulator's endpoint secrets, not Stripe's (production refuses them: app/__init__.py).
EMULATOR_WEBHOOK_SECRET = "whsec_emulator_local"  # noqa: S105
EMULATOR_CONNECT_WEBHOOK_SECRET = "whsec_emulator_connect_local"  # noqa: S105


WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # seconds, either side of our clock


class FutureSignature(SignatureError):
    """A valid webhook signature dated more than the tolerance ahead of our clock."""


class MalformedEvent(ValueError):
    """A validly signed webhook body that is no Stripe event we can read (answered 400)."""


def init_app(app: Flask) -> None:
    key = app.config.get("STRIPE_SECRET_KEY")
    if key and key.startswith(("sk_live_", "rk_live_")) and app.config["ENV_NAME"] != "production":
        raise RuntimeError("live Stripe keys are refused outside production")
    if key:
        # The SDK's default is 80 s per attempt: a web worker would be killed first.
        http = stripe.new_default_http_client(timeout=app.config["STRIPE_TIMEOUT_SECONDS"])
        base = app.config["STRIPE_API_BASE"]
        app.extensions["stripe_client"] = stripe.StripeClient(
            key,
            max_network_retries=2,
            http_client=http,
            **({"base_addresses": {"api": base}} if base else {}),
        )
        return
    if app.config["ENV_NAME"] == "production":  # _check_secrets refuses this first
        raise RuntimeError("the Stripe emulator never runs in production: set STRIPE_SECRET_KEY")
    state = app.config.get("STRIPE_EMULATOR_STATE")
    if state is None and not app.config.get("TESTING"):
        state = Path(app.instance_path) / "stripe_emulator.sqlite3"
    # A server sweeps every 10 s (webhook retries, expiries): no test moves its clock there.
    sweep_every = None if app.config.get("TESTING") else 10.0
    emulator = Emulator(
        state, hosted_base_url=app.config["STRIPE_EMULATOR_BASE_URL"], sweep_every=sweep_every
    )
    emulator.settings.settlement_currencies = offered_currencies(app)
    emulator.settings.business_name = "KOL Market"
    _add_webhook_endpoints(app, emulator)
    app.extensions["stripe_emulator"] = emulator
    app.extensions["stripe_client"] = make_stripe_client(
        emulator, hosted_base_url=app.config["STRIPE_EMULATOR_BASE_URL"]
    )
    # Browsers get the hosted Checkout and onboarding pages; the API (all events, reversals)
    # only the in-process client above, which never goes over HTTP.
    pages = create_wsgi_app(emulator, api=False)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/emulator": pages})


def _add_webhook_endpoints(app: Flask, emulator: Emulator) -> None:
    """The two endpoints an operator creates on Stripe (docs/payments.md): the platform's
    events to /webhooks/stripe, connected accounts' to /webhooks/stripe/connect, each signed
    with its own secret."""
    endpoints = [
        ("STRIPE_WEBHOOK_SECRET", EMULATOR_WEBHOOK_SECRET, "/webhooks/stripe", False),
        ("STRIPE_CONNECT_WEBHOOK_SECRET", EMULATOR_CONNECT_WEBHOOK_SECRET, "/webhooks/stripe/connect", True),
    ]  # fmt: skip
    for name, default, path, connect in endpoints:
        app.config[name] = app.config.get(name) or default
        emulator.add_webhook_endpoint(_poster(app, path), app.config[name], connect=connect)


def _poster(app: Flask, path: str) -> Callable[[bytes, dict], int]:
    def deliver(payload: bytes, headers: dict) -> int:
        # In-process delivery to our own webhook route, exactly as Stripe would POST it.
        with app.app_context():
            return app.test_client().post(path, data=payload, headers=headers).status_code

    return deliver


def client() -> stripe.StripeClient:
    return current_app.extensions["stripe_client"]


def client_for_test_mode(
    key: str, *, api_base: str | None = None, timeout: float = 30.0
) -> stripe.StripeClient:
    """A client for Stripe's test mode only (`make stripe-check`, not the app's own client):
    anything but an `sk_test_`/`rk_test_` key is refused. `api_base` points it elsewhere (an
    egress proxy, or the emulator served over HTTP)."""
    if not key.startswith(("sk_test_", "rk_test_")):
        raise ValueError("only Stripe test-mode keys (sk_test_..., rk_test_...) are accepted")
    return stripe.StripeClient(
        key,
        max_network_retries=2,
        http_client=stripe.new_default_http_client(timeout=timeout),
        **({"base_addresses": {"api": api_base}} if api_base else {}),
    )


def emulator() -> Emulator | None:
    return current_app.extensions.get("stripe_emulator")


def is_simulated() -> bool:
    return emulator() is not None


def _to_dict(obj: Any) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def create_checkout_session(
    *,
    funding_id: int,
    key: str,
    contract_id: int,
    amount: int,
    currency: str,
    product: str,
    customer_email: str,
    success_url: str,
    cancel_url: str,
) -> dict:
    """A Checkout Session for price + brand fee, grouped for the transfers that follow."""
    params = checkout_session_params(
        funding_id=funding_id,
        contract_id=contract_id,
        amount=amount,
        currency=currency,
        product=product,
        customer_email=customer_email,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    session = client().v1.checkout.sessions.create(
        params, {"idempotency_key": f"checkout-{funding_id}-{key}"}
    )
    return _to_dict(session)


def checkout_session_params(
    *,
    funding_id: int,
    contract_id: int,
    amount: int,
    currency: str,
    product: str,
    customer_email: str,
    success_url: str,
    cancel_url: str,
) -> dict[str, Any]:
    """The parameters the app creates a Checkout Session with (`make stripe-check` sends the
    same ones to Stripe's test mode)."""
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": product},
                },
                "quantity": 1,
            }
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "customer_email": customer_email,
        "client_reference_id": f"contract_{contract_id}",
        "metadata": {"contract_id": str(contract_id), "funding_id": str(funding_id)},
        "payment_intent_data": {
            "transfer_group": f"contract_{contract_id}",
            "metadata": {"contract_id": str(contract_id), "funding_id": str(funding_id)},
        },
    }


def retrieve_checkout_session(session_id: str) -> dict:
    return _to_dict(client().v1.checkout.sessions.retrieve(session_id))


def expire_checkout_session(session_id: str) -> dict:
    """End an open session now, so its link can no longer be paid on."""
    return _to_dict(
        client().v1.checkout.sessions.expire(
            session_id, None, {"idempotency_key": f"checkout-expire-{session_id}"}
        )
    )


def retrieve_payment_intent(payment_intent_id: str) -> dict:
    return _to_dict(client().v1.payment_intents.retrieve(payment_intent_id))


def retrieve_charge(charge_id: str) -> dict:
    return _to_dict(client().v1.charges.retrieve(charge_id, {"expand": ["balance_transaction"]}))


def create_connect_account(*, user_id: int, key: str, email: str, country: str | None) -> str:
    params: dict[str, Any] = {
        "type": "express",
        "email": email,
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"user_id": str(user_id)},
    }
    if country:
        params["country"] = country
    account = client().v1.accounts.create(params, {"idempotency_key": f"connect-{user_id}-{key}"})
    return account.id


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> str:
    """A single-use onboarding link: never log it or send it by mail."""
    link = client().v1.account_links.create(
        {
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def retrieve_account(account_id: str) -> dict:
    return _to_dict(client().v1.accounts.retrieve(account_id))


def create_transfer(
    *,
    payout_id: int,
    key: str,
    amount: int,
    currency: str,
    destination: str,
    contract_id: int,
    source_charge_id: str | None,
) -> dict:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "destination": destination,
        "transfer_group": f"contract_{contract_id}",
        "metadata": {"contract_id": str(contract_id), "payout_id": str(payout_id)},
    }
    if source_charge_id:
        params["source_transaction"] = source_charge_id
    transfer = client().v1.transfers.create(
        params, {"idempotency_key": f"payout-{payout_id}-{key}"}
    )
    return _to_dict(transfer)


def retrieve_transfer(transfer_id: str) -> dict:
    return _to_dict(client().v1.transfers.retrieve(transfer_id))


def list_transfer_reversals(transfer_id: str) -> list[dict]:
    """Every reversal of a transfer (the transfer object embeds only the 10 newest)."""
    page = client().v1.transfers.reversals.list(transfer_id, {"limit": 100})
    return [_to_dict(item) for item in page.auto_paging_iter()]


def find_refund(*, charge_id: str, refund_id: int) -> dict | None:
    """A live Stripe refund on the charge made for our refund ``refund_id``, if there is one."""
    page = client().v1.refunds.list({"charge": charge_id, "limit": 100})
    for item in page.auto_paging_iter():
        refund = _to_dict(item)
        ours = (refund.get("metadata") or {}).get("refund_id") == str(refund_id)
        if ours and refund.get("status") in ("succeeded", "pending", "requires_action"):
            return refund
    return None


def retrieve_refund(refund_id: str) -> dict | None:
    """The refund as Stripe holds it now, or None when Stripe has no such refund."""
    try:
        return _to_dict(client().v1.refunds.retrieve(refund_id))
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise


def find_transfer(*, contract_id: int, payout_id: int) -> dict | None:
    """A transfer Stripe made for our payout ``payout_id`` (found by its transfer group and
    metadata), if there is one: asked before any retry, so a payout is never paid twice."""
    page = client().v1.transfers.list({"transfer_group": f"contract_{contract_id}", "limit": 100})
    for item in page.auto_paging_iter():
        transfer = _to_dict(item)
        if (transfer.get("metadata") or {}).get("payout_id") == str(payout_id):
            return transfer
    return None


def create_refund(
    *, refund_id: int, key: str, charge_id: str, amount: int, contract_id: int
) -> dict:
    refund = client().v1.refunds.create(
        {
            "charge": charge_id,
            "amount": amount,
            "metadata": {"contract_id": str(contract_id), "refund_id": str(refund_id)},
        },
        {"idempotency_key": f"refund-{refund_id}-{key}"},
    )
    return _to_dict(refund)


def retrieve_dispute(dispute_id: str) -> dict:
    return _to_dict(client().v1.disputes.retrieve(dispute_id))


def is_missing(error: StripeError) -> bool:
    """Stripe answered that it has no such object (404 resource_missing)."""
    return isinstance(error, stripe.InvalidRequestError) and error.http_status == 404


def webhook_secrets(*, connect: bool = False) -> list[str]:
    """The endpoint's secret, then any extra ones (comma-separated) kept valid while a rotation
    is under way: STRIPE_WEBHOOK_SECRET(S) for the platform endpoint,
    STRIPE_CONNECT_WEBHOOK_SECRET(S) for the Connect one (docs/payments.md)."""
    name = "STRIPE_CONNECT_WEBHOOK_SECRET" if connect else "STRIPE_WEBHOOK_SECRET"
    extra = (current_app.config.get(f"{name}S") or "").split(",")
    secrets = [current_app.config.get(name), *(s.strip() for s in extra)]
    return list(dict.fromkeys(s for s in secrets if s))


def verify_webhook(payload: bytes, signature: str, *, connect: bool = False) -> Any:
    """The body's JSON (any JSON: the caller checks its shape), when the signature over the
    raw body is valid and recent under one of the endpoint's secrets. Raises SignatureError
    (the last secret's) otherwise, MalformedEvent when a validly signed body is not JSON."""
    text = payload.decode("utf-8", errors="replace")  # invalid UTF-8 fails the signature
    refused = SignatureError("no webhook secret is configured", signature)
    for secret in webhook_secrets(connect=connect):
        try:
            stripe.WebhookSignature.verify_header(text, signature, secret, WEBHOOK_TOLERANCE)
        except SignatureError as error:
            refused = error
            continue
        _refuse_future_timestamp(signature)
        try:
            return json.loads(text)
        except ValueError as error:
            raise MalformedEvent(f"the body is not JSON: {error}") from error
    raise refused


def _refuse_future_timestamp(signature: str) -> None:
    """The SDK refuses a signature older than the tolerance but accepts any in the future: one
    dated ahead could be replayed until then. Its timestamp is the header's first ``t=``, the
    one the SDK verified (a later ``t=`` is ignored, so cannot mask it)."""
    parts = [item.split("=", 2) for item in signature.split(",")]  # parsed as the SDK does
    signed_at = int(next(part[1] for part in parts if part[0] == "t"))
    if signed_at > time.time() + WEBHOOK_TOLERANCE:
        raise FutureSignature("Timestamp is in the future, beyond the tolerance", signature)


def list_balance_transactions(*, created_gte: int, created_lt: int):
    """Every balance transaction in a period (auto-paginated through the SDK)."""
    page = client().v1.balance_transactions.list(
        {"created": {"gte": created_gte, "lt": created_lt}, "limit": 100}
    )
    for item in page.auto_paging_iter():
        yield _to_dict(item)
