"""Stripe events: verified, recorded once in the same transaction as their effect, acted on
from Stripe's current state so duplicates and any order are harmless."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.payments import gateway
from app.payments.connect import sync_account
from app.payments.funding import record_payment
from app.payments.models import WebhookEvent
from app.payments.refunds import record_chargeback
from app.payments.reversals import record_reversals

log = logging.getLogger(__name__)


def _funding_id(obj: dict) -> int | None:
    value = (obj.get("metadata") or {}).get("funding_id")
    return int(value) if value and str(value).isdecimal() else None


def _checkout_completed(obj: dict) -> None:
    funding_id, intent = _funding_id(obj), obj.get("payment_intent")
    if funding_id and intent and obj.get("payment_status") == "paid":
        record_payment(funding_id=funding_id, payment_intent_id=intent)


def _payment_succeeded(obj: dict) -> None:
    funding_id = _funding_id(obj)
    if funding_id:
        record_payment(funding_id=funding_id, payment_intent_id=obj["id"])


def _account_updated(obj: dict) -> None:
    # Trust the object as Stripe holds it now, not the event's copy.
    sync_account(stripe_account=gateway.retrieve_account(obj["id"]))


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "payment_intent.succeeded": _payment_succeeded,
    "account.updated": _account_updated,
    "charge.dispute.created": lambda obj: record_chargeback(dispute=obj),
    "charge.dispute.updated": lambda obj: record_chargeback(dispute=obj),
    "charge.dispute.closed": lambda obj: record_chargeback(dispute=obj),
    "transfer.reversed": lambda obj: record_reversals(transfer_id=obj["id"]),
}


def handle_event(event: dict) -> str:
    """Apply one event; returns "processed", "duplicate" or "ignored". The caller commits."""
    obj = event["data"]["object"]
    try:
        with db.session.begin_nested():
            db.session.add(
                WebhookEvent(id=event["id"], type=event["type"], object_id=obj.get("id"))
            )
    except IntegrityError:
        return "duplicate"
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored"
    handler(obj)
    return "processed"
