"""/api/v1: a brand's webhook endpoints, their signing secrets and deliveries — the same
services and rules as the web pages (app/webhooks/routes.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import CursorPageArgs, ErrorSchema, PageArgs
from app.auth.models import Role
from app.extensions import db
from app.pagination import list_page, page_json
from app.webhooks import services
from app.webhooks.api_schemas import (
    DeliveryList,
    DeliverySchema,
    EndpointInput,
    EndpointList,
    EndpointSchema,
    EndpointUpdate,
)
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

_NO_ENDPOINT = {"schema": ErrorSchema, "description": "No such endpoint (or not yours)"}
_NO_DELIVERY = {"schema": ErrorSchema, "description": "No such delivery (or not yours)"}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.event_types,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "secret": endpoint.secret,
        "previous_secret_expires_at": _iso(
            endpoint.previous_secret_expires_at if endpoint.previous_secret else None
        ),
        "created_at": _iso(endpoint.created_at),
    }


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "message_id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "created_at": _iso(delivery.created_at),
        "delivered_at": _iso(delivery.delivered_at),
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "payload": delivery.payload,
        "attempts": [
            {"attempted_at": _iso(a.attempted_at), "status_code": a.status_code,
             "error": a.error, "duration_ms": a.duration_ms}
            for a in delivery.tries
        ],
    }  # fmt: skip


@bp.get("/webhooks")
@api_access(Role.BRAND)
@bp.doc(operationId="listWebhookEndpoints", summary="Your webhook endpoints (brands)")
@bp.arguments(PageArgs, location="query")
@bp.response(200, EndpointList)
def list_webhook_endpoints(args: dict):
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.brand_id == api_user().id)
    stmt = stmt.order_by(WebhookEndpoint.id)
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_json(page, [endpoint_json(e) for e in page.items])


@bp.post("/webhooks")
@api_access(Role.BRAND)
@bp.doc(
    operationId="createWebhookEndpoint",
    summary="Register an endpoint for the events you pick; the answer carries its secret",
)
@bp.arguments(EndpointInput)
@bp.response(201, EndpointSchema)
@bp.alt_response(409, schema=ErrorSchema, description="Too many endpoints already")
def create_webhook_endpoint(body: dict):
    endpoint = services.create_endpoint(
        brand_id=api_user().id, url=body["url"], events=body["events"]
    )
    db.session.commit()
    return endpoint_json(endpoint)


@bp.get("/webhooks/<int:endpoint_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="getWebhookEndpoint", summary="One of your webhook endpoints")
@bp.response(200, EndpointSchema)
@bp.alt_response(404, **_NO_ENDPOINT)
def get_webhook_endpoint(endpoint_id: int):
    return endpoint_json(services.owned_endpoint(brand_id=api_user().id, endpoint_id=endpoint_id))


@bp.patch("/webhooks/<int:endpoint_id>")
@api_access(Role.BRAND)
@bp.doc(
    operationId="updateWebhookEndpoint",
    summary="Change an endpoint's address or events, or switch it off or on",
)
@bp.arguments(EndpointUpdate)
@bp.response(200, EndpointSchema)
@bp.alt_response(404, **_NO_ENDPOINT)
def update_webhook_endpoint(body: dict, endpoint_id: int):
    endpoint = services.update_endpoint(brand_id=api_user().id, endpoint_id=endpoint_id, **body)
    db.session.commit()
    return endpoint_json(endpoint)


@bp.delete("/webhooks/<int:endpoint_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="deleteWebhookEndpoint", summary="Delete an endpoint and its deliveries")
@bp.response(204)
@bp.alt_response(404, **_NO_ENDPOINT)
def delete_webhook_endpoint(endpoint_id: int):
    services.delete_endpoint(brand_id=api_user().id, endpoint_id=endpoint_id)
    db.session.commit()
    return ""


@bp.post("/webhooks/<int:endpoint_id>/rotate-secret")
@api_access(Role.BRAND)
@bp.doc(
    operationId="rotateWebhookSecret",
    summary="A new signing secret; the old one keeps signing until previous_secret_expires_at",
    description="During the grace period (WEBHOOKS_SECRET_GRACE_HOURS, 24 by default) each "
    "request carries two signatures in webhook-signature, one per secret, as the Standard "
    "Webhooks specification allows: a receiver with either secret verifies it.",
)
@bp.response(200, EndpointSchema)
@bp.alt_response(404, **_NO_ENDPOINT)
def rotate_webhook_secret(endpoint_id: int):
    endpoint = services.rotate_secret(brand_id=api_user().id, endpoint_id=endpoint_id)
    db.session.commit()
    return endpoint_json(endpoint)


@bp.get("/webhooks/<int:endpoint_id>/deliveries")
@api_access(Role.BRAND)
@bp.doc(
    operationId="listWebhookDeliveries",
    summary="An endpoint's deliveries, newest first, each with its attempts",
)
@bp.arguments(CursorPageArgs, location="query")
@bp.response(200, DeliveryList)
@bp.alt_response(404, **_NO_ENDPOINT)
def list_webhook_deliveries(args: dict, endpoint_id: int):
    endpoint = services.owned_endpoint(brand_id=api_user().id, endpoint_id=endpoint_id)
    page = list_page(services.deliveries_of(endpoint.id), [WebhookDelivery.id],
                     page=args["page"], per_page=args["per_page"], cursor=args.get("cursor"),
                     numbered_first=True)  # fmt: skip
    return page_json(page, [delivery_json(d) for d in page.items])


@bp.post("/webhook-deliveries/<int:delivery_id>/resend")
@api_access(Role.BRAND)
@bp.doc(
    operationId="resendWebhookDelivery",
    summary="Send a delivery again now (same webhook-id), with a new round of retries",
)
@bp.response(200, DeliverySchema)
@bp.alt_response(404, **_NO_DELIVERY)
@bp.alt_response(409, schema=ErrorSchema, description="Endpoint disabled, or already queued")
def resend_webhook_delivery(delivery_id: int):
    delivery = services.resend_delivery(brand_id=api_user().id, delivery_id=delivery_id)
    db.session.commit()
    return delivery_json(delivery)
