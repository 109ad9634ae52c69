"""`make chaos`'s clients: signed-in browsing, API reads, tracking hits and deals driven to a
money effect, every answer recorded (status, Retry-After, when) for the report."""

from __future__ import annotations

import http.client
import json
import random
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Accept-Language": "en-GB,en;q=0.8",
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (connection refused or reset)
    headers: dict[str, str]
    body: str
    at: float  # time.monotonic() when it came

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


@dataclass
class Recorder:
    """Every answer by kind and status; the unclean ones kept with their request."""

    statuses: Counter = field(default_factory=Counter)
    unclean: list[dict] = field(default_factory=list)
    clean_503: Counter = field(default_factory=Counter)
    no_answer: list[tuple[float, str]] = field(default_factory=list)
    hits: list[tuple[float, str]] = field(default_factory=list)  # tracking hits accepted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, method: str, path: str, answer: Answer) -> None:
        with self.lock:
            self.statuses[(kind, answer.status)] += 1
            if answer.status == 0:
                self.no_answer.append((answer.at, f"{method} {path}: {answer.body}"))
            elif answer.status == 503 and answer.headers.get("retry-after"):
                self.clean_503[kind] += 1
            elif answer.status >= 500:
                self.unclean.append({
                    "at": answer.at, "request": f"{method} {path}", "kind": kind,
                    "status": answer.status, "request_id": answer.headers.get("x-request-id"),
                    "retry_after": answer.headers.get("retry-after"),
                    "content_type": answer.headers.get("content-type"),
                    "body": answer.body[:300],
                })  # fmt: skip


class Client:
    """One browser or API caller: a fresh connection per request (gunicorn's sync workers
    answer one request per connection), cookies kept, redirects not followed."""

    def __init__(self, port: int, recorder: Recorder, kind: str, headers: dict | None = None):
        self.port, self.recorder, self.kind = port, recorder, kind
        self.headers = {**BROWSER, **(headers or {})}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict | None = None,
                body: dict | None = None, raw: bytes | None = None,
                headers: dict | None = None, record: bool = True) -> Answer:  # fmt: skip
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data: str | bytes | None = raw
        if form is not None:
            data, sent["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
        elif body is not None:
            data, sent["Content-Type"] = json.dumps(body), "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                            text, time.monotonic())  # fmt: skip
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.split(";", 1)[0].partition("=")
                    self.cookies[key.strip()] = rest.strip()
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(0, {}, f"{type(error).__name__}: {error}", time.monotonic())
        finally:
            conn.close()
        if record:
            self.recorder.add(self.kind, method, re.sub(r"\d+", "<n>", path), answer)
        return answer

    def sign_in(self, email: str, password: str, until: float) -> bool:
        """Through the login form (CSRF token from the page), retried while a dependency is
        down; True once signed in."""
        while time.monotonic() < until:
            self.cookies.clear()
            page = self.request("GET", "/auth/login")
            token = CSRF.search(page.body)
            if page.status == 200 and token:
                form = {"csrf_token": token.group(1), "email": email, "password": password}
                answer = self.request("POST", "/auth/login", form=form)
                if answer.status == 302 and "session" in self.cookies:
                    self.request("GET", "/")  # the flashed "Signed in." is shown and dropped
                    return True
            time.sleep(1)
        return False

    def csrf_token(self, page: str) -> str | None:
        answer = self.request("GET", page)
        found = CSRF.search(answer.body) if answer.status == 200 else None
        return found.group(1) if found else None


def browse(client: Client, pages: list[str], until: float, pause: float) -> None:
    """A signed-in user reading pages; signs in again if the session was lost."""
    while time.monotonic() < until:
        answer = client.request("GET", random.choice(pages))
        if answer.status == 302 and "/auth/login" in answer.headers.get("location", ""):
            client.sign_in(*client.credentials, until)  # type: ignore[attr-defined]
        time.sleep(pause)


def api_reads(client: Client, paths: list[str], until: float, pause: float) -> None:
    while time.monotonic() < until:
        client.request("GET", random.choice(paths))
        time.sleep(pause)


def tracking(client: Client, notes: list[dict], until: float, pause: float) -> None:
    """/go clicks and note views, each from a visitor of its own (a fresh `kv` cookie), so
    every accepted hit is one stored event; the accepted ones are counted as sent."""
    recorder = client.recorder
    while time.monotonic() < until:
        note = random.choice(notes)
        client.cookies = {"kv": secrets.token_hex(16)}
        if random.random() < 0.5:
            answer = client.request("GET", f"/go/{note['code']}")
            ok = answer.status == 302 and "kol_click=" in answer.headers.get("location", "")
        else:
            answer = client.request("GET", note["path"])
            ok = answer.status == 200 and 'class="card note-public"' in answer.body
        if ok:
            with recorder.lock:
                recorder.hits.append((answer.at, note["id"]))
        time.sleep(pause)
