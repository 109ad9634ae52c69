"""Per-API-key rate limits: one budget per key across the whole of /api/v1.

Every call is counted before its view runs, against the key it carries (a call without a key,
to a public operation, against its IP address). An edge server's batch of views and clicks
signed with ANALYTICS_BATCH_SECRET is not counted: the signature is its credential, and a
collector sending 8 billion views a day from a few addresses would spend any per-address
budget in seconds (a bad signature is counted like any call without a key). The counters live in the limiter's storage
(app/ratelimits.py: Redis when ``REDIS_URL`` is set, else the database, so that every gunicorn
worker counts the same calls; each process's memory only while both are down).

Every answer says where the caller stands, in the header fields of the IETF draft "RateLimit
header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-06, the separate-fields form):
``RateLimit-Limit`` (calls per window), ``RateLimit-Remaining`` (left in this window),
``RateLimit-Reset`` (seconds until the window ends) and ``RateLimit-Policy`` (``100;w=60``).
A call over the budget is a 429 in the JSON error envelope with ``Retry-After`` (seconds).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from app import key_cache
from app.analytics.signing import signed_by_edge
from app.errors import json_error
from app.extensions import limiter
from app.ratelimits import RedisOrDatabaseStorage

SCOPE = "api"


def _bearer_secret() -> str:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def caller_key() -> str:
    """Whose budget a call spends: its key's (hashed: the secret is never stored), or its IP's."""
    secret = _bearer_secret()
    if secret:
        return "key:" + hashlib.sha256(secret.encode()).hexdigest()
    return "ip:" + get_remote_address()


def _limit() -> RateLimitItem:
    name = "API_RATE_LIMIT" if _bearer_secret() else "API_RATE_LIMIT_ANONYMOUS"
    return parse(current_app.config[name])


def count_call() -> tuple[Response, int] | None:
    """The API blueprint's ``before_request``: spend one call, refuse it over the budget."""
    if not limiter.enabled or not current_app.config["RATELIMIT_ENABLED"]:
        return None
    if "X-Signature" in request.headers and signed_by_edge(request.get_data(cache=True)):
        return None  # an edge server's signed batch: the signature is its credential
    item, key = _limit(), caller_key()
    storage = limiter.limiter.storage
    if isinstance(storage, RedisOrDatabaseStorage):
        # One round trip: the hit, its window, and what the access check and a per-caller
        # cache read next (the copy of the caller's key, their viewer version).
        ahead = key_cache.api_reads_ahead(key[4:]) if key.startswith("key:") else ()
        hits, reset_at, values = storage.hit_and_read(
            item.key_for(SCOPE, key), item.get_expiry(), ahead
        )
        if values is not None:
            g.redis_read_ahead = dict(zip(ahead, values, strict=True))
            g.api_key_hash = key[4:] if ahead else None
        allowed, remaining = hits <= item.amount, max(0, item.amount - hits)
    else:
        allowed = limiter.limiter.hit(item, SCOPE, key)
        reset_at, remaining = limiter.limiter.get_window_stats(item, SCOPE, key)
    g.api_rate_window = (item, remaining, reset_at)
    if allowed:
        return None
    return json_error(429, "rate_limited", _("Too many calls with this API key; see Retry-After."))


def add_headers(response: Response) -> Response:
    """The API blueprint's ``after_request``: the RateLimit fields (and Retry-After on a 429)."""
    window = g.pop("api_rate_window", None)
    if window is None:
        return response
    item, remaining, reset_at = window
    reset = max(0, math.ceil(reset_at - time.time()))
    response.headers["RateLimit-Limit"] = str(item.amount)
    response.headers["RateLimit-Remaining"] = str(max(0, remaining))
    response.headers["RateLimit-Reset"] = str(reset)
    response.headers["RateLimit-Policy"] = f"{item.amount};w={item.get_expiry()}"
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, reset))
    return response
