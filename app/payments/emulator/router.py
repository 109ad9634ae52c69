"""Maps `METHOD /v1/path` to the handler for it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import balance, checkout, connect, customers, intents, payments, refunds, transfers

Handler = Callable[..., dict[str, Any]]
ROUTES: list[tuple[str, str, Handler]] = [
    *customers.ROUTES,
    *checkout.ROUTES,
    *payments.ROUTES,
    *intents.ROUTES,
    *refunds.ROUTES,
    *connect.ROUTES,
    *transfers.ROUTES,
    *balance.ROUTES,
]


class Router:
    def __init__(self, routes: list[tuple[str, str, Handler]]) -> None:
        self._routes = [(method, _compile(pattern), handler) for method, pattern, handler in routes]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, pattern, handler in self._routes:
            found = pattern.fullmatch(path)
            if found and route_method == method:
                return handler, found.groupdict()
        return None


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern))


ROUTER = Router(ROUTES)
