"""Sending a delivery: one signed POST per attempt, retried with exponential backoff for about
a day, then given up; an endpoint that kept failing all that time is disabled and its brand told.

The job takes the delivery's id. An attempt that fails schedules the next one
(``next_attempt_at``); the scheduler's ``webhooks-retry`` step stages a job for each one due.
A job re-run after a crash may send a delivery twice: receivers deduplicate by ``webhook-id``,
as the Standard Webhooks specification expects (delivery is at least once)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import requests
from sqlalchemy import select

from app.context import in_app_context
from app.db_types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.jobs import job, run_inline_jobs, stage_job
from app.webhooks.destinations import check_destination
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.signing import headers

# The wait before each retry: 5 s, 1 min, 5 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (~23.6 h).
BACKOFF = [timedelta(seconds=s) for s in (5, 60, 300, 1800, 3600, 7200, 14400, 28800, 28800)]
TIMEOUT_SECONDS = 10


def http_session() -> requests.Session:
    """The HTTP client deliveries go through (tests mount their receiver on it)."""
    return requests.Session()


@job("webhooks.deliver")
def deliver(delivery_id: int) -> None:
    """One attempt of one delivery (nothing when it was delivered or given up already)."""
    delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status in ("delivered", "failed"):
        return
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.enabled:
        delivery.status, delivery.next_attempt_at = "failed", None
        return
    now = utcnow()
    status_code, error, took = _post(endpoint, delivery)
    delivery.attempts += 1
    delivery.tries.append(
        WebhookAttempt(attempted_at=now, status_code=status_code, error=error, duration_ms=took)
    )
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.failing_since = None
    else:
        _failed(endpoint, delivery, now)
    db.session.flush()


def _post(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery
) -> tuple[int | None, str | None, int]:
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    started = time.monotonic()
    try:
        check_destination(endpoint.url)  # the name may resolve elsewhere since it was saved
        response = http_session().post(
            endpoint.url,
            data=body,
            headers=headers(
                endpoint.signing_secrets(utcnow()), delivery.message_id, int(time.time()), body
            ),
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        code, error = response.status_code, None
    except ValidationFailed as refused:
        code, error = None, " ".join(m for ms in refused.fields.values() for m in ms)
    except requests.RequestException as failure:
        code, error = None, type(failure).__name__
    return code, (error or None) and error[:200], int((time.monotonic() - started) * 1000)


def _failed(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now) -> None:
    endpoint.failing_since = endpoint.failing_since or now
    if delivery.attempts <= len(BACKOFF):
        delivery.status = "retrying"
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        return
    delivery.status, delivery.next_attempt_at = "failed", None
    if endpoint.enabled:  # every attempt failed for about a day: switch it off, tell the brand
        endpoint.enabled, endpoint.disabled_reason = False, "failing"
        _tell_disabled(endpoint)


def _tell_disabled(endpoint: WebhookEndpoint) -> None:
    from app.notifications.services import notify

    notify(
        user_id=endpoint.brand_id,
        kind="webhook.disabled",
        link=f"/webhooks/{endpoint.id}",
        url=endpoint.url,
    )


def retry_due(now=None) -> int:
    """Stage a job for each delivery whose next attempt is due; flushes."""
    now = now or utcnow()
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.status == "retrying", WebhookDelivery.next_attempt_at <= now
    )
    due = list(db.session.scalars(stmt.limit(1000)))
    for delivery in due:
        delivery.status = "pending"  # staged once, not again at the next step
        stage_job("webhooks.deliver", delivery_id=delivery.id)
    db.session.flush()
    return len(due)


@in_app_context
def retry_job() -> int:
    """The scheduler's step: stage the due retries, commit (inline: run them)."""
    count = retry_due()
    db.session.commit()
    run_inline_jobs()
    return count
