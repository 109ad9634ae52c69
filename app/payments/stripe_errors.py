"""What a failed Stripe call means: for the user waiting on a page, and for a job that moves
money (refund, payout), which must tell "Stripe refused, no money moved" from "the outcome is
unknown" and must not resend a key under which Stripe stored a 5xx.

Read off the SDK's error attributes (``http_status``, ``user_message``, ``code``); the SDK
itself stays behind app/payments/gateway.py."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.errors import DomainError

REFUSED_STATUSES = (400, 402, 403, 404)


class StripeRefused(DomainError):
    """Stripe answered a call made while the user waits with an error (shown, never a 500)."""

    status = 502
    code = "stripe_refused"


class StripeUnavailable(StripeRefused):
    status = 503
    code = "stripe_unavailable"


def _status(error: Any) -> int | None:
    return getattr(error, "http_status", None)


def user_error(error: Any) -> StripeRefused:
    """What to tell the user when a Stripe call in their request failed: try again later
    (unreachable, 5xx, rate limited, or our key refused: ours to fix, logged by the caller) or
    Stripe's reason (it refused the request)."""
    status = _status(error)
    if status is None or status >= 500 or status in (401, 403, 429):
        return StripeUnavailable(_("Stripe could not be reached. Please try again in a minute."))
    reason = error.user_message or _("no reason given")
    if error.code in ("amount_too_small", "amount_too_large"):
        return StripeRefused(
            _("Stripe cannot charge this amount in one payment: %(reason)s", reason=reason)
        )
    return StripeRefused(_("Stripe refused the request: %(reason)s", reason=reason))


def refused(error: Any) -> bool:
    """Stripe refused the request itself: no money moved, and sending it again cannot help
    (a person decides)."""
    return _status(error) in REFUSED_STATUSES


def key_is_spent(error: Any) -> bool:
    """A 5xx: Stripe stores it under the idempotency key and replays it, so the next attempt
    asks Stripe whether the call took effect, then sends a key of its own."""
    return (_status(error) or 0) >= 500


def attempt_key(key: str, generation: int) -> str:
    """The idempotency key of an attempt: the object's own key, then one per spent key."""
    return f"{key}-g{generation}" if generation else key
