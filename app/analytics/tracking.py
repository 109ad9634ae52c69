"""The hot path: who is visiting (no raw IPs), whether they are a bot, and the view and click
events handed to the pipeline. The notes page calls ``record_view``; ``/go/<code>`` uses
``click_redirect``."""

from __future__ import annotations

import functools
import hashlib
import hmac
import random
import re
import secrets
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, after_this_request, current_app, session
from flask_login import current_user
from sqlalchemy import select
from werkzeug.urls import iri_to_uri

from app import pagecache
from app.analytics import pipeline
from app.campaigns.models import Campaign
from app.extensions import db
from app.notes.models import Note, NoteStatus

VISITOR_COOKIE = "kv"
VISITOR_RE = re.compile(r"^[0-9a-f]{32}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "curl", "wget", "python", "httpclient", "http-client",
    "java/", "go-http", "okhttp", "headless", "phantom", "selenium", "puppeteer", "playwright",
    "facebookexternalhit", "embedly", "preview", "monitor", "uptime", "scan", "fetch", "axios",
    "node-fetch", "libwww", "scrapy", "lighthouse", "pingdom", "apache-httpclient",
)  # fmt: skip


def is_bot(user_agent: str | None, accept_language: str | None) -> bool:
    """A known robot name, or a client that does not look like a browser."""
    return _is_bot(user_agent or "", bool((accept_language or "").strip()))


def _bot_hit(wsgi: dict) -> bool:
    """``is_bot`` of a hit's headers, read from the WSGI environ as the server passed them
    (what ``request.headers`` returns, without its lookup per header name on every hit)."""
    return is_bot(wsgi.get("HTTP_USER_AGENT"), wsgi.get("HTTP_ACCEPT_LANGUAGE"))


@functools.lru_cache(maxsize=1024)  # a few user agents make most hits: each decided once
def _is_bot(user_agent: str, has_languages: bool) -> bool:
    ua = user_agent.strip().lower()
    if len(ua) < 12 or not ua.startswith("mozilla/"):
        return True
    if any(marker in ua for marker in BOT_MARKERS):
        return True
    return not has_languages


@functools.lru_cache(maxsize=4)
def _visitor_mac(secret: str, epoch_day: int) -> hmac.HMAC:
    """The day's keyed hash, keyed once a day per process: each first visit copies it (a copy
    skips deriving the key pads, most of an HMAC's cost on a short message)."""
    salt = hmac.new(secret.encode(), _utc_day(epoch_day).encode(), "sha256").digest()
    return hmac.new(salt, digestmod=hashlib.sha256)


def visitor_id(request) -> str:
    """The visitor's first-party cookie id, or (first visit) a salted hash of IP and user agent
    that rotates daily; the hash becomes the cookie so the visitor keeps one id."""
    visitor, cookie = _visitor(request, current_app.config)
    if cookie is not None:

        @after_this_request
        def _set_cookie(response):
            response.headers.add("Set-Cookie", cookie)
            return response

    return visitor


def _visitor(request, config) -> tuple[str, str | None]:
    """(the visitor's id, the Set-Cookie value that gives a first visitor the id, else None)."""
    wsgi = request.environ
    if "HTTP_COOKIE" in wsgi:  # a first visit sends none: nothing to parse
        cookie = request.cookies.get(VISITOR_COOKIE, "")
        if VISITOR_RE.match(cookie):
            return cookie, None
    raw = f"{wsgi.get('REMOTE_ADDR') or ''}|{wsgi.get('HTTP_USER_AGENT', '')}"
    visitor = _visitor_mac(config["SECRET_KEY"], int(time.time()) // 86400).copy()
    visitor.update(raw.encode())
    visitor = visitor.hexdigest()[:32]
    secure = bool(config.get("SESSION_COOKIE_SECURE", False))
    return visitor, f"{VISITOR_COOKIE}={visitor}{_cookie_attributes(secure)}"


@functools.lru_cache(maxsize=4)
def _utc_day(epoch_day: int) -> str:
    return datetime.fromtimestamp(epoch_day * 86400, UTC).strftime("%Y-%m-%d")


@functools.lru_cache(maxsize=2)
def _cookie_attributes(secure: bool) -> str:
    """What ``response.set_cookie(max_age=1 year, httponly, SameSite=Lax)`` writes after the
    value, built once (on every first visit it cost as much as the rest of the hit): Max-Age
    without an Expires date, which every current browser reads and which takes precedence."""
    return f"; Max-Age={365 * 86400}; HttpOnly; Path=/; SameSite=Lax" + (
        "; Secure" if secure else ""
    )


def _event(kind: str, note: Note, visitor: str, bot: bool, event_id: str | None = None) -> dict:
    event = {
        "id": event_id or secrets.token_hex(12),
        "k": kind,
        "t": time.time(),
        "n": note.id,
        "c": note.contract_id,
        "p": note.campaign_id,
        "u": note.kol_id,
        "v": visitor,
        "b": 1 if bot else 0,
    }
    # A conversion then marks the signed-in shopper's save. Only a session that names a user
    # loads one: an anonymous hit (nearly all) skips Flask-Login's loader altogether.
    if "_user_id" in session and current_user.is_authenticated:
        event["uid"] = current_user.id
    return event


def record_view(*, note: Note, request) -> None:
    """Record a render of a published note's public page (raises TrackingUnavailable)."""
    if note.status != NoteStatus.PUBLISHED:
        return
    bot = _bot_hit(request.environ)
    pipeline.accept_hit([_event("view", note, visitor_id(request), bot)])


# Click ids carry the note and the time, signed: a conversion can be attributed even while the
# click is still in the buffer, and a forged id is recognised.
# The random part only keeps two clicks on one note in one second apart (the signature is what
# cannot be forged): 48 bits from the process's own generator, which Python reseeds from the OS
# in every forked worker, instead of a system call per click.
def new_click_id(note_id: int, at: float, secret: str | None = None) -> str:
    """``secret``: the app's SECRET_KEY, when the caller has it already (the hot path)."""
    body = f"{note_id:x}.{int(at):x}.{random.getrandbits(48):012x}"
    return f"{body}.{_click_sig(body, secret)}"


def _click_sig(body: str, secret: str | None = None) -> str:
    mac = _click_mac(secret or current_app.config["SECRET_KEY"]).copy()
    mac.update(body.encode())
    return mac.hexdigest()[:12]


@functools.lru_cache(maxsize=2)
def _click_mac(secret: str) -> hmac.HMAC:
    """The click key with the "click:" prefix already hashed: each click copies it."""
    return hmac.new(secret.encode(), b"click:", hashlib.sha256)


def parse_click_id(click_id: str) -> tuple[int, datetime] | None:
    """(note id, click time) of a genuine click id, else None."""
    parts = (click_id or "").split(".")
    if len(parts) != 4:
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_click_sig(body), parts[3]):
        return None
    try:
        return int(parts[0], 16), datetime.fromtimestamp(int(parts[1], 16), UTC)
    except ValueError:
        return None


def safe_product_url(url: str | None) -> str | None:
    target = urlsplit(url or "")
    if target.scheme not in {"http", "https"} or not target.netloc:
        return None
    return url


def with_tracking(url: str, *, click_id: str, campaign_id: int, note_id: int) -> str:
    """The product URL with the click id and UTM parameters added (existing ones kept)."""
    parts = urlsplit(url)
    ours = {
        "kol_click": click_id,
        "utm_source": "kolmarket",
        "utm_medium": "kol",
        "utm_campaign": f"campaign-{campaign_id}",
        "utm_content": f"note-{note_id}",
    }
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    return urlunsplit(parts._replace(query=urlencode([*query, *ours.items()])))


CLICK_PLACEHOLDER = "CLICKIDPLACEHOLDER"


def _tracked_link(code: str):
    """(the note's ids, the campaign's product URL) of a published note's code, or None; kept
    by the page cache (no query per click), dropped when notes or campaigns change."""
    row = db.session.execute(
        select(
            Note.id,
            Note.contract_id,
            Note.campaign_id,
            Note.kol_id,
            Note.brand_id,
            Note.status,
            Campaign.product_url,
        )
        .join(Campaign, Campaign.id == Note.campaign_id)
        .where(Note.tracking_code == code, Note.status == NoteStatus.PUBLISHED)
    ).first()
    if row is None:
        return None
    note = SimpleNamespace(id=row.id, contract_id=row.contract_id, campaign_id=row.campaign_id,
                           kol_id=row.kol_id, brand_id=row.brand_id, status=row.status)  # fmt: skip
    if safe_product_url(row.product_url) is None:
        return note, None
    # The redirect with its UTM parameters, built once and made a URI (what werkzeug would do to
    # a Location on every response, see LocationRedirect); each click only fills in its id.
    target = with_tracking(
        row.product_url, click_id=CLICK_PLACEHOLDER, campaign_id=note.campaign_id, note_id=note.id
    )
    return note, iri_to_uri(target)


class LocationRedirect(Response):
    """A bodiless, uncached 302 to ``uri``, already a URI: werkzeug runs every Location through
    ``iri_to_uri`` as the response is sent (a fifth of a click's own cost); /go's targets were
    converted once, when the link was cached. ``cookie``: a Set-Cookie value to send with it.
    Built for one response: its headers are sent as they are, not copied first."""

    def __init__(self, uri: str, cookie: str | None = None):
        headers = [("Location", uri), ("Cache-Control", "no-store"), ("Content-Length", "0")]
        if cookie is not None:
            headers.append(("Set-Cookie", cookie))
        super().__init__(status=302, headers=headers)

    def get_wsgi_headers(self, environ):
        return self.headers


def click_redirect(*, code: str, request) -> LocationRedirect | None:
    """Record a click on a published note's link; the redirect to the campaign's URL (with a
    first visitor's cookie), or None (unknown code, unpublished note, or a stored URL that is
    not http(s))."""
    if not CODE_RE.match(code or ""):
        return None
    row = pagecache.cached(
        ("tracked-link", code), lambda: _tracked_link(code), scopes=("notes", "campaigns")
    )
    if row is None:
        return None
    note, target = row
    if target is None:
        return None
    # The app and its settings looked up once: each lookup through Flask's proxies costs about
    # as much as a line of this function.
    app = current_app._get_current_object()
    config = app.config
    bot = _bot_hit(request.environ)
    now = time.time()
    click_id = new_click_id(note.id, now, config["SECRET_KEY"])
    visitor, cookie = _visitor(request, config)
    event = _event("click", note, visitor, bot, event_id=click_id)
    event["t"] = now
    pipeline.accept_hit([event], app=app)
    # Click ids are [0-9a-f.]: nothing to escape in the target.
    return LocationRedirect(target.replace(CLICK_PLACEHOLDER, click_id), cookie)
