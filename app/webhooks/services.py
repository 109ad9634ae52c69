"""A brand's webhook endpoints and the events its deals send them.

``emit`` is called by the service that makes the change (a bid placed, a contract funded, a
note submitted…), in the same transaction: it writes one delivery per subscribed endpoint and
stages its job (the outbox, app/jobs.py), so an event leaves only if the change commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import stage_job
from app.text import clean_text
from app.webhooks.destinations import check_destination
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.signing import new_secret

EVENTS = {
    "bid.received": _l("Bid received"),
    "contract.funded": _l("Contract funded"),
    "note.submitted": _l("Note submitted"),
    "note.approved": _l("Note approved"),
    "note.published": _l("Note published"),
    "payout.paid": _l("Payout paid to the KOL"),
    "conversion.attributed": _l("Conversion attributed"),
    "settlement.made": _l("Commission settlement made"),
}
MAX_ENDPOINTS = 10  # per brand


def endpoints_of(brand_id: int) -> list[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.brand_id == brand_id)
    return list(db.session.scalars(stmt.order_by(WebhookEndpoint.id)))


def owned_endpoint(*, brand_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The brand's own endpoint; anyone else's (or none) is 404."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.brand_id != brand_id:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def _clean_events(events: list[str] | None) -> str:
    chosen = [e for e in EVENTS if e in set(events or [])]
    if not chosen or len(chosen) != len(set(events or [])):
        raise ValidationFailed({"events": [_("Choose at least one event from the list.")]})
    return " ".join(chosen)


def create_endpoint(*, brand_id: int, url: str | None, events: list[str] | None) -> WebhookEndpoint:
    """A new endpoint with its own signing secret (shown to the brand on its page)."""
    errors: dict[str, list[str]] = {}
    clean_url = chosen = ""
    try:
        clean_url = check_destination(clean_text(url, 500))
    except ValidationFailed as error:
        errors.update(error.fields)
    try:
        chosen = _clean_events(events)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(errors)
    count = select(func.count()).where(WebhookEndpoint.brand_id == brand_id)
    if (db.session.scalar(count) or 0) >= MAX_ENDPOINTS:
        raise Conflict(_("You have %(n)d webhook endpoints: delete one first.", n=MAX_ENDPOINTS))
    endpoint = WebhookEndpoint(brand_id=brand_id, url=clean_url, events=chosen, secret=new_secret())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def update_endpoint(*, brand_id: int, endpoint_id: int, url: str | None = None,
                    events: list[str] | None = None,
                    enabled: bool | None = None) -> WebhookEndpoint:  # fmt: skip
    """Change what is given of an endpoint's address, events and switch (None keeps it)."""
    endpoint = owned_endpoint(brand_id=brand_id, endpoint_id=endpoint_id)
    errors: dict[str, list[str]] = {}
    try:
        clean_url = endpoint.url if url is None else check_destination(clean_text(url, 500))
    except ValidationFailed as error:
        errors.update(error.fields)
    try:
        chosen = endpoint.events if events is None else _clean_events(events)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(errors)
    endpoint.url, endpoint.events = clean_url, chosen
    if enabled is not None and enabled != endpoint.enabled:
        set_enabled(brand_id=brand_id, endpoint_id=endpoint_id, enabled=enabled)
    db.session.flush()
    return endpoint


def rotate_secret(*, brand_id: int, endpoint_id: int) -> WebhookEndpoint:
    """A new signing secret; the old one keeps signing beside it (a second ``v1,`` signature,
    as Standard Webhooks allows) for ``WEBHOOKS_SECRET_GRACE_HOURS``, so the brand's receiver
    can switch without missing an event. Rotating again ends the older secret's grace at once."""
    endpoint = owned_endpoint(brand_id=brand_id, endpoint_id=endpoint_id)
    grace = timedelta(hours=current_app.config["WEBHOOKS_SECRET_GRACE_HOURS"])
    endpoint.previous_secret, endpoint.secret = endpoint.secret, new_secret()
    endpoint.previous_secret_expires_at = utcnow() + grace
    db.session.flush()
    return endpoint


def set_enabled(*, brand_id: int, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Switch an endpoint off, or on again (which forgets its failures)."""
    endpoint = owned_endpoint(brand_id=brand_id, endpoint_id=endpoint_id)
    endpoint.enabled = enabled
    endpoint.disabled_reason = None if enabled else "owner"
    endpoint.failing_since = None
    db.session.flush()
    return endpoint


def delete_endpoint(*, brand_id: int, endpoint_id: int) -> None:
    db.session.delete(owned_endpoint(brand_id=brand_id, endpoint_id=endpoint_id))
    db.session.flush()


def deliveries_of(endpoint_id: int) -> Select:
    """The endpoint's deliveries (unordered: lists order them newest first)."""
    return select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)


def owned_delivery(*, brand_id: int, delivery_id: int) -> WebhookDelivery:
    """A delivery to one of the brand's endpoints; anyone else's (or none) is 404."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery and db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or endpoint.brand_id != brand_id:
        raise NotFound(_("No such webhook delivery."))
    return delivery


def resend_delivery(*, brand_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, same ``webhook-id`` (a receiver that has it ignores it),
    with a new round of retries; every earlier attempt stays listed."""
    delivery = owned_delivery(brand_id=brand_id, delivery_id=delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.enabled:
        raise Conflict(_("This endpoint is disabled: enable it before resending."))
    if delivery.status == "pending":
        raise Conflict(_("This delivery is already queued."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    db.session.flush()
    stage_job("webhooks.deliver", delivery_id=delivery.id)
    return delivery


def recent_deliveries(endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def emit(*, brand_id: int, event_type: str, key: str, data: dict[str, Any],
         at: datetime | None = None) -> int:  # fmt: skip
    """Queue ``event_type`` (about the object ``key`` names, e.g. ``contract:42``) for each
    enabled endpoint of the brand that chose it; an event emitted again is not sent again.
    Returns how many deliveries were queued."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}: add it to EVENTS")
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.brand_id == brand_id, WebhookEndpoint.enabled.is_(True)
    )
    queued = 0
    for endpoint in db.session.scalars(stmt):
        if event_type not in endpoint.event_types:
            continue
        if _queue(endpoint, event_type, f"{event_type}:{key}", data, at or utcnow()):
            queued += 1
    return queued


def _queue(endpoint: WebhookEndpoint, event_type: str, event_key: str, data: dict,
           at: datetime) -> bool:  # fmt: skip
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        message_id="msg_" + secrets.token_urlsafe(18),
        event_type=event_type,
        event_key=event_key[:120],
        payload={"type": event_type, "timestamp": at.isoformat(), "data": data},
        status="pending",
    )
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:  # this event went to this endpoint already
        return False
    stage_job("webhooks.deliver", delivery_id=delivery.id)
    return True
