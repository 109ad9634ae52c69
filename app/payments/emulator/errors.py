"""Stripe-shaped API errors raised by the emulator's handlers."""

from __future__ import annotations

from typing import Any


class EmulatorError(Exception):
    """An error that the API answers as Stripe's JSON error body.

    `saved` marks errors raised after the request started doing work (card declines,
    insufficient balance): Stripe stores those under the idempotency key and replays them;
    validation errors are not stored.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.saved = saved
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing_param(param: str) -> EmulatorError:
    return EmulatorError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid_param(param: str, message: str, code: str = "parameter_invalid") -> EmulatorError:
    return EmulatorError(message, code=code, param=param)


def no_such(kind: str, object_id: str, param: str = "id") -> EmulatorError:
    return EmulatorError(
        f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param
    )


def business_error(message: str, code: str, param: str | None = None) -> EmulatorError:
    """A rule refused after the request began executing (stored for idempotent replays)."""
    return EmulatorError(message, code=code, param=param, saved=True)


def card_declined(message: str, decline_code: str, code: str = "card_declined") -> EmulatorError:
    return EmulatorError(
        message,
        status=402,
        type="card_error",
        code=code,
        saved=True,
        extra={"decline_code": decline_code} if code == "card_declined" else {},
    )
