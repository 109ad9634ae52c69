"""Stripe events: verified, recorded once in the same transaction as their effect, acted on
from Stripe's current state so duplicates and any order are harmless.

Two endpoints, as on Stripe: the platform's events arrive at /webhooks/stripe, connected
accounts' (they carry ``account``: account.updated) at /webhooks/stripe/connect, each signed
with its own secret (docs/payments.md "Webhook endpoints")."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.payments import gateway
from app.payments.chargebacks import record_chargeback
from app.payments.connect import sync_account
from app.payments.funding import (
    fee_for_charge,
    mark_session_expired,
    record_payment,
    record_payment_failure,
    session_funding_id,
)
from app.payments.models import WebhookEvent
from app.payments.refunds import sync_refund
from app.payments.reversals import record_reversals

log = logging.getLogger(__name__)


class NotConfirmed(Exception):
    """Stripe does not have the event's object (or holds it differently): nothing is done."""


def _checkout_completed(obj: dict) -> None:
    funding_id, intent = session_funding_id(obj), obj.get("payment_intent")
    if funding_id and isinstance(intent, str) and obj.get("payment_status") == "paid":
        record_payment(funding_id=funding_id, payment_intent_id=intent)


def _payment_succeeded(obj: dict) -> None:
    funding_id = session_funding_id(obj)
    if funding_id:
        record_payment(funding_id=funding_id, payment_intent_id=obj["id"])


def _account_updated(obj: dict) -> None:
    # Trust the object as Stripe holds it now, not the event's copy.
    sync_account(stripe_account=gateway.retrieve_account(obj["id"]))


def _dispute(obj: dict) -> None:
    # A chargeback freezes a contract: act only on a dispute Stripe confirms, about the same
    # charge, and on Stripe's copy of it (a 404 is NotConfirmed, see _apply).
    dispute = gateway.retrieve_dispute(obj["id"])
    if dispute.get("charge") != obj.get("charge"):
        raise NotConfirmed(f"Stripe's dispute {obj['id']} is about another charge")
    record_chargeback(dispute=dispute)


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "payment_intent.succeeded": _payment_succeeded,
    "account.updated": _account_updated,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
    "charge.dispute.funds_withdrawn": _dispute,
    "charge.dispute.funds_reinstated": _dispute,
    "transfer.reversed": lambda obj: record_reversals(transfer_id=obj["id"]),
    "refund.created": lambda obj: sync_refund(stripe_refund_id=obj["id"]),
    "refund.updated": lambda obj: sync_refund(stripe_refund_id=obj["id"]),
    "refund.failed": lambda obj: sync_refund(stripe_refund_id=obj["id"]),
    "charge.refund.updated": lambda obj: sync_refund(stripe_refund_id=obj["id"]),
    "charge.updated": lambda obj: fee_for_charge(charge_id=obj["id"]),
    "checkout.session.expired": lambda obj: mark_session_expired(session=obj),
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.async_payment_failed": lambda obj: record_payment_failure(session=obj),
    "payment_intent.payment_failed": lambda obj: record_payment_failure(intent_id=obj["id"]),
}


def handle_event(event: Any, *, connect: bool = False) -> str:
    """Apply one event that arrived at the platform endpoint (or the Connect one); returns
    "processed", "duplicate" or "ignored". Raises gateway.MalformedEvent. The caller commits."""
    event_id, event_type, obj = _envelope(event)
    if bool(event.get("account")) != connect:
        # Stripe sends a connected account's events only to Connect endpoints and the
        # platform's only to platform endpoints: an endpoint is misconfigured. Not recorded,
        # so the same event delivered to the right endpoint still applies.
        log.warning("webhook %s (%s) reached the wrong endpoint", event_id, event_type)
        return "ignored"
    try:
        with db.session.begin_nested():  # the event and its effect, or neither
            return _apply(event_id, event_type, obj)
    except NotConfirmed as reason:
        log.warning("webhook %s (%s) ignored: %s", event_id, event_type, reason)
        return "ignored"


def _apply(event_id: str, event_type: str, obj: dict) -> str:
    try:
        with db.session.begin_nested():
            db.session.add(WebhookEvent(id=event_id, type=event_type, object_id=obj.get("id")))
    except IntegrityError:
        return "duplicate"
    handler = HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    try:
        handler(obj)
    except gateway.StripeError as error:
        # Stripe has no such object: retrying for days would not change that. Anything
        # else (unreachable, 5xx, our key refused) goes up and is answered 503: retry.
        if gateway.is_missing(error):
            raise NotConfirmed(str(error.user_message or error)) from error
        raise
    return "processed"


def _envelope(event: Any) -> tuple[str, str, dict]:
    """The event's id, type and object, checked before anything is read from them."""
    if not isinstance(event, dict):
        raise gateway.MalformedEvent("the body is not a JSON object")
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    if not (_is_id(event_id) and _is_id(event_type)):
        raise gateway.MalformedEvent("the event has no id or type")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise gateway.MalformedEvent(f"event {event_id} has no data.object")
    needs_id = event_type in HANDLERS or "id" in obj
    if needs_id and not _is_id(obj.get("id")):
        raise gateway.MalformedEvent(f"event {event_id}'s object has no id")
    if event.get("account") is not None and not _is_id(event["account"]):
        raise gateway.MalformedEvent(f"event {event_id}'s account is not an id")
    return event_id, event_type, obj


def _is_id(value: Any) -> bool:
    # Stripe's ids and event types are short strings; our columns hold 80 characters.
    return isinstance(value, str) and 0 < len(value) <= 80
