"""The one place that talks to Stripe (or, with no keys, to the built-in emulator).

Every write carries an idempotency key built from our own ids, so a job that re-runs after a
crash gets Stripe's first answer back instead of moving money twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import stripe
from flask import Flask, current_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.payments.emulator import Emulator, create_wsgi_app, make_stripe_client

StripeError = stripe.StripeError
CardError = stripe.CardError
SignatureError = stripe.SignatureVerificationError
EMULATOR_WEBHOOK_SECRET = "whsec_emulator_local"  # noqa: S105 - the emulator's, not Stripe's


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
    state = app.config.get("STRIPE_EMULATOR_STATE")
    if state is None and not app.config.get("TESTING"):
        state = Path(app.instance_path) / "stripe_emulator.json"
    emulator = Emulator(state, hosted_base_url=app.config["STRIPE_EMULATOR_BASE_URL"])
    app.config.setdefault("STRIPE_WEBHOOK_SECRET", None)
    app.config["STRIPE_WEBHOOK_SECRET"] = app.config["STRIPE_WEBHOOK_SECRET"] or (
        EMULATOR_WEBHOOK_SECRET
    )

    def deliver(payload: bytes, headers: dict) -> int:
        # In-process delivery to our own webhook route, exactly as Stripe would POST it.
        with app.app_context():
            client = app.test_client()
            return client.post("/webhooks/stripe", data=payload, headers=headers).status_code

    emulator.add_webhook_endpoint(deliver, app.config["STRIPE_WEBHOOK_SECRET"])
    app.extensions["stripe_emulator"] = emulator
    app.extensions["stripe_client"] = make_stripe_client(
        emulator, hosted_base_url=app.config["STRIPE_EMULATOR_BASE_URL"]
    )
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/emulator": create_wsgi_app(emulator)})


def client() -> stripe.StripeClient:
    return current_app.extensions["stripe_client"]


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
    params = {
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
    session = client().v1.checkout.sessions.create(
        params, {"idempotency_key": f"checkout-{funding_id}-{key}"}
    )
    return _to_dict(session)


def retrieve_checkout_session(session_id: str) -> dict:
    return _to_dict(client().v1.checkout.sessions.retrieve(session_id))


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


def webhook_secrets() -> list[str]:
    """STRIPE_WEBHOOK_SECRET, then any STRIPE_WEBHOOK_SECRETS (comma-separated) kept valid
    while a rotation is under way (README "Operations")."""
    extra = (current_app.config.get("STRIPE_WEBHOOK_SECRETS") or "").split(",")
    secrets = [current_app.config["STRIPE_WEBHOOK_SECRET"], *(s.strip() for s in extra)]
    return list(dict.fromkeys(s for s in secrets if s))


def verify_webhook(payload: bytes, signature: str) -> dict:
    """The event, when the signature over the raw body is valid and recent under one of the
    webhook secrets; raises (the last secret's error) otherwise."""
    secrets = webhook_secrets()
    if not secrets:
        raise SignatureError("no webhook secret is configured", signature)
    for secret in secrets[:-1]:
        try:
            return _to_dict(stripe.Webhook.construct_event(payload, signature, secret))
        except SignatureError:
            continue
    return _to_dict(stripe.Webhook.construct_event(payload, signature, secrets[-1]))


def list_balance_transactions(*, created_gte: int, created_lt: int):
    """Every balance transaction in a period (auto-paginated through the SDK)."""
    page = client().v1.balance_transactions.list(
        {"created": {"gte": created_gte, "lt": created_lt}, "limit": 100}
    )
    for item in page.auto_paging_iter():
        yield _to_dict(item)
