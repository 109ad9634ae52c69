"""A brand's webhook receiver for the tests, mounted on the app's HTTP client: it checks each
request's signature with its own verifier, written from the Standard Webhooks specification
("Verifying webhooks") and sharing no code with app/webhooks/signing.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import requests
from requests.adapters import BaseAdapter


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's side of the spec: the timestamp is recent, and one of the ``v1,``
    signatures is HMAC-SHA256 of ``id.timestamp.body`` under the base64 key after ``whsec_``."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in headers["webhook-signature"].split(" "):
        version, _comma, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


class Receiver(BaseAdapter):
    """Answers ``status`` (or raises a connection error while ``down``); keeps what came."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret, self.status, self.down = secret, 200, False
        self.received: list[dict] = []  # every request that reached it, verified or not

    def send(self, request, **_kwargs):
        if self.down:
            raise requests.ConnectionError("receiver down")
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        self.received.append(
            {"id": request.headers["webhook-id"], "valid": verify(self.secret, request.headers, body),
             "event": json.loads(body), "status": self.status,
             "headers": dict(request.headers), "body": body}
        )  # fmt: skip
        response = requests.Response()
        response.status_code, response.request, response._content = self.status, request, b"ok"
        return response

    def close(self) -> None:
        pass

    def delivered(self) -> list[dict]:
        return [r for r in self.received if r["status"] < 300]


def mount(monkeypatch, secret: str) -> Receiver:
    receiver = Receiver(secret)

    def session() -> requests.Session:
        http = requests.Session()
        http.mount("https://", receiver)
        http.mount("http://", receiver)
        return http

    monkeypatch.setattr("app.webhooks.delivery.http_session", session)
    return receiver
