"""One REST call: auth, faults, idempotency, routing and Stripe's JSON responses."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import idempotency
from .context import API_VERSION, Ctx
from .errors import EmulatorError
from .idempotency import ApiResponse
from .objects import render
from .params import Params
from .router import ROUTER, Handler
from .state import PLATFORM, new_id

if TYPE_CHECKING:
    from .emulator import Emulator

LOSE_RESPONSE_HEADER = "X-Emulator-Lose-Response"
HOSTED_BASE_HEADER = "X-Emulator-Hosted-Base"
log = logging.getLogger(__name__)


@dataclass
class Call:
    method: str
    path: str
    params: Params
    headers: dict[str, str]
    request_id: str
    api_key: str = ""
    handler: Handler | None = None
    path_args: dict[str, str] | None = None

    @property
    def account(self) -> str | None:
        return self.headers.get("stripe-account") or None

    @property
    def idempotency_key(self) -> str | None:
        if self.method != "POST":
            return None
        return self.headers.get("idempotency-key") or None


def handle_api_request(
    emu: Emulator, method: str, path: str, params: Params, headers: Mapping[str, str]
) -> ApiResponse:
    call = Call(
        method.upper(), path, params, {k.lower(): v for k, v in headers.items()}, new_id("req_", 14)
    )
    try:
        _authenticate(call)
        _route(call)
        early, delay, lose = emu.transact(lambda ctx: _admit(ctx, call))
        if early is not None:
            return early
        if delay:
            time.sleep(delay)
        response = emu.transact(lambda ctx: _execute(ctx, call), **_ctx_args(call))
    except EmulatorError as error:
        return error_response(error, call)
    if lose:
        response = ApiResponse(
            response.status, response.body, {**response.headers, LOSE_RESPONSE_HEADER: "true"}
        )
    return response


def _authenticate(call: Call) -> None:
    header = call.headers.get("authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise EmulatorError(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            status=401,
        )
    key = header[7:].strip()
    if not key.startswith(("sk_test_", "rk_test_")):
        raise EmulatorError(
            f"Invalid API Key provided: {key[:8]}****",
            status=401,
            code="api_key_expired" if key.startswith("sk_live_") else None,
        )
    call.api_key = key


def _route(call: Call) -> None:
    found = ROUTER.match(call.method, call.path)
    if found is None:
        raise EmulatorError(
            f"Unrecognized request URL ({call.method}: {call.path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            status=404,
        )
    call.handler, call.path_args = found


def _admit(ctx: Ctx, call: Call) -> tuple[ApiResponse | None, float, bool]:
    """Before the work: the Stripe-Account, the idempotency key, injected failures."""
    if call.account:
        found = ctx.store.get(call.account)
        if found is None or found["object"] != "account":
            raise EmulatorError(
                f"The provided key '{call.api_key[:12]}****' does not have access to account "
                f"'{call.account}' (or that account does not exist).",
                status=403,
            )
    key = call.idempotency_key
    scope = idempotency.scoped_key(call.api_key, call.account, key) if key else None
    if key and scope:
        replay = idempotency.lookup(ctx.store, scope, key, _fingerprint(call), ctx.now)
        if replay is not None:
            return replay, 0.0, ctx.faults.take_lost_response()
    status = ctx.faults.take_failure()
    if status is not None:
        return _injected_failure(ctx, call, scope, status), 0.0, False
    if scope:
        idempotency.begin(ctx.store, scope, _fingerprint(call), ctx.now)
    return None, ctx.faults.take_delay(), ctx.faults.take_lost_response()


def _injected_failure(ctx: Ctx, call: Call, scope: str | None, status: int) -> ApiResponse:
    error = EmulatorError(
        "An unknown error occurred (injected by the emulator).", status=status, type="api_error"
    )
    response = error_response(error, call)
    if scope and ctx.faults.failure_stored:  # failed after it began: kept like Stripe's
        response = _not_to_be_retried(response)
        idempotency.begin(ctx.store, scope, _fingerprint(call), ctx.now)
        idempotency.finish(ctx.store, scope, response)
    return response


def _not_to_be_retried(response: ApiResponse) -> ApiResponse:
    """A stored 5xx tells the SDK not to retry it (a retry would get the same answer back),
    as Stripe's `Stripe-Should-Retry: false` does."""
    if response.status < 500:
        return response
    return ApiResponse(
        response.status, response.body, {**response.headers, "Stripe-Should-Retry": "false"}
    )


def _fingerprint(call: Call) -> dict[str, Any]:
    return {"method": call.method, "path": call.path, "params": call.params}


def _ctx_args(call: Call) -> dict[str, Any]:
    return {
        "account": call.account,
        "request_id": call.request_id,
        "idempotency_key": call.idempotency_key,
        "hosted_base": call.headers.get(HOSTED_BASE_HEADER.lower()),
    }


def _execute(ctx: Ctx, call: Call) -> ApiResponse:
    assert call.handler is not None
    saved = True
    try:
        result = call.handler(ctx, call.params, **(call.path_args or {}))
        response = _json_response(200, _render(ctx, result, call.params.get("expand")), call)
    except EmulatorError as error:
        saved = error.saved or error.status >= 500
        response = error_response(error, call)
    except Exception as exc:
        # Stripe saves a 500 under the key too: the call began, its outcome is unknown.
        log.exception("the Stripe emulator failed on %s %s", call.method, call.path)
        saved = True
        error = EmulatorError(f"Emulator failure: {exc!r}", status=500, type="api_error")
        response = error_response(error, call)
    key = call.idempotency_key
    if key:
        scope = idempotency.scoped_key(call.api_key, call.account, key)
        if saved:
            response = _not_to_be_retried(response)
            idempotency.finish(ctx.store, scope, response)
        else:
            idempotency.abandon(ctx.store, scope)
    return response


def _render(ctx: Ctx, result: dict[str, Any], expand: Any) -> dict[str, Any]:
    def lookup(object_id: str) -> dict[str, Any] | None:
        owner = ctx.store.owner(object_id)
        visible = owner == ctx.owner or (owner == PLATFORM and object_id == ctx.account)
        return ctx.store.get(object_id) if visible else None

    return render(result, expand, lookup)


def error_response(error: EmulatorError, call: Call) -> ApiResponse:
    body = error.body()
    body["error"]["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{call.request_id}"
    return _json_response(error.status, body, call)


def _json_response(status: int, body: dict[str, Any], call: Call) -> ApiResponse:
    headers = {
        "Content-Type": "application/json",
        "Request-Id": call.request_id,
        "Stripe-Version": call.headers.get("stripe-version", API_VERSION),
    }
    if call.idempotency_key:
        headers["Idempotency-Key"] = call.idempotency_key
    if call.account:
        headers["Stripe-Account"] = call.account
    return ApiResponse(status, json.dumps(body, indent=2).encode(), headers)
