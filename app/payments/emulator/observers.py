"""Watchers of the emulator's traffic: the test suite checks every request, response and event
against Stripe's published shapes through this hook. Nothing in the app registers one."""

from __future__ import annotations

from typing import Any, Protocol

from .idempotency import ApiResponse
from .params import Params


class Observer(Protocol):
    def request_answered(
        self, method: str, path: str, params: Params, response: ApiResponse
    ) -> None: ...

    def event_created(self, event: dict[str, Any]) -> None: ...


OBSERVERS: list[Observer] = []


def request_answered(method: str, path: str, params: Params, response: ApiResponse) -> None:
    for observer in list(OBSERVERS):
        observer.request_answered(method, path, params, response)


def event_created(event: dict[str, Any]) -> None:
    for observer in list(OBSERVERS):
        observer.event_created(event)
