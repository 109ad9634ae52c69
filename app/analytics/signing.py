"""Edge servers' signed batches: views and clicks are accepted from whoever signs the request
body with ANALYTICS_BATCH_SECRET (``X-Signature: sha256=<hex HMAC-SHA256>``)."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def signed_by_edge(body: bytes) -> bool:
    """Whether this request's ``body`` carries a valid edge signature."""
    secret = current_app.config["ANALYTICS_BATCH_SECRET"]
    header = request.headers.get("X-Signature", "")
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:])
