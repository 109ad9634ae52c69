"""Stripe's idempotency rules: replay the first response, refuse other parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import EmulatorError
from .state import Store

TTL = 24 * 3600
SAME_PARAMS = (
    "Keys for idempotent requests can only be used with the same parameters they were first "
    "used with. Try using a key other than '{key}' if you meant to execute a different request."
)
SAME_ENDPOINT = (
    "Keys for idempotent requests can only be used for the same endpoint they were first used "
    "for ('{method} {path}'). Try using a key other than '{key}' if you meant to execute a "
    "different request."
)
IN_FLIGHT = (
    "There is currently another in-progress request using this Stripe-Account and "
    "Idempotency-Key ('{key}'). Try again later."
)


@dataclass
class ApiResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def scoped_key(api_key: str, account: str | None, key: str) -> str:
    return json.dumps([api_key, account, key])


def lookup(
    store: Store, scope: str, key: str, request: dict[str, Any], now: int
) -> ApiResponse | None:
    """The stored response to replay, None for a new key; raise on a conflicting reuse."""
    _prune(store, now)
    record = store.idempotency.get(scope)
    if record is None:
        return None
    if record["response"] is None:
        raise EmulatorError(
            IN_FLIGHT.format(key=key),
            status=409,
            type="idempotency_error",
            code="idempotency_key_in_use",
        )
    if (record["method"], record["path"]) != (request["method"], request["path"]):
        message = SAME_ENDPOINT.format(key=key, method=record["method"], path=record["path"])
        raise EmulatorError(message, type="idempotency_error")
    if record["params"] != request["params"]:
        raise EmulatorError(SAME_PARAMS.format(key=key), type="idempotency_error")
    stored = record["response"]
    headers = {**stored["headers"], "Idempotent-Replayed": "true"}
    return ApiResponse(stored["status"], stored["body"].encode(), headers)


def begin(store: Store, scope: str, request: dict[str, Any], now: int) -> None:
    store.idempotency[scope] = {**request, "created": now, "response": None}


def finish(store: Store, scope: str, response: ApiResponse) -> None:
    store.idempotency[scope]["response"] = {
        "status": response.status,
        "body": response.body.decode(),
        "headers": dict(response.headers),
    }


def abandon(store: Store, scope: str) -> None:
    store.idempotency.pop(scope, None)


def _prune(store: Store, now: int) -> None:
    expired = [k for k, record in store.idempotency.items() if record["created"] + TTL <= now]
    for scope in expired:
        del store.idempotency[scope]
