"""An HTTP client for the stripe SDK that calls the emulator's WSGI app in-process."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import stripe
from werkzeug.test import Client

from .api import HOSTED_BASE_HEADER, LOSE_RESPONSE_HEADER
from .emulator import DEFAULT_HOSTED_BASE
from .wsgi import create_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from .emulator import Emulator

API_BASE = "http://stripe-emulator.local"


class InProcessHTTPClient(stripe.HTTPClient):
    """Hands each SDK request to a WSGI app through werkzeug's test client: no sockets."""

    name = "emulator-in-process"

    def __init__(self, app: WSGIApplication, hosted_base_url: str | None = None) -> None:
        super().__init__()
        self._client = Client(app)
        self.hosted_base_url = hosted_base_url

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[bytes, int, dict[str, str]]:
        parts = urlsplit(url)
        sent = dict(headers or {})
        if self.hosted_base_url:
            sent[HOSTED_BASE_HEADER] = self.hosted_base_url
        data = post_data.encode() if isinstance(post_data, str) else post_data
        response = self._client.open(
            parts.path,
            base_url=f"{parts.scheme}://{parts.netloc}",
            method=method.upper(),
            query_string=parts.query,
            headers=sent,
            data=data,
        )
        received = {key.lower(): value for key, value in response.headers.items()}
        if received.pop(LOSE_RESPONSE_HEADER.lower(), None):
            raise stripe.APIConnectionError(
                "Unexpected error communicating with Stripe (the emulator dropped the response).",
                should_retry=True,
            )
        return response.get_data(), response.status_code, received

    def request_stream(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[io.BytesIO, int, dict[str, str]]:
        body, status, received = self.request(method, url, headers, post_data)
        return io.BytesIO(body), status, received

    def close(self) -> None:
        return None


def make_stripe_client(
    emulator: Emulator,
    api_key: str = "sk_test_emulator",
    hosted_base_url: str = DEFAULT_HOSTED_BASE,
    *,
    max_network_retries: int = 0,
    stripe_account: str | None = None,
) -> stripe.StripeClient:
    """A real `stripe.StripeClient` whose requests land in `emulator`."""
    http_client = InProcessHTTPClient(create_wsgi_app(emulator), hosted_base_url)
    return stripe.StripeClient(
        api_key,
        stripe_account=stripe_account,
        http_client=http_client,
        max_network_retries=max_network_retries,
        base_addresses={
            "api": API_BASE,
            "connect": API_BASE,
            "files": API_BASE,
            "meter_events": API_BASE,
        },
    )
