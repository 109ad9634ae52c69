"""Public content cached per web process, dropped everywhere when that content changes.

The hot public paths (a note's page, ``/explore``, ``/go/<code>``) read the same published
data for every visitor. Each process keeps what it built in memory; a commit that touches
public content (notes, their images, campaigns, profiles, comments — ``TABLES``) clears this
process's copy at once and bumps a version in Redis, which every other process checks at most
once per ``CHECK_SECONDS`` (so another worker serves the old copy for at most that long).
Without Redis, entries live ``LOCAL_TTL`` seconds. Engagement counts shown in the HTML may be
``PAGE_TTL`` seconds old; per-viewer state is loaded by JS.

Pages are cached only for visitors who are not signed in and have no flashed messages: the
HTML is then the same for everyone. Their render has no form, hence no CSRF token and no
session (the language switch is a link, actions link to sign in: tests/test_sessionless.py).
A form added there later still works: its token renders as ``CSRF_MARKER``, replaced per
request (``fill_csrf``), at the price of a session per visitor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Tables whose rows end up on public pages; other features may add theirs.
TABLES = {"notes", "note_images", "campaigns", "kol_profiles", "brand_profiles", "note_comments"}
VERSION_KEY = "pagecache:version"
CHECK_SECONDS = 1.0
LOCAL_TTL = 5.0
PAGE_TTL = 15.0
MAX_ENTRIES = 2_000
CSRF_MARKER = "__csrf_token_placeholder__"
_MISSING = object()


class _Store:
    def __init__(self) -> None:
        self.entries: dict[Any, tuple[float, Any]] = {}
        self.version: bytes | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_store = _Store()


def _redis():
    if not current_app.config.get("REDIS_URL") or current_app.config.get("TESTING"):
        return None
    from app.analytics.pipeline import redis_client

    return redis_client()


def _fresh_version() -> float:
    """Check the shared version (at most once per CHECK_SECONDS); the TTL entries get."""
    client = _redis()
    if client is None:
        return LOCAL_TTL
    now = time.monotonic()
    if now - _store.checked >= CHECK_SECONDS:
        _store.checked = now
        try:
            version = client.get(VERSION_KEY)
        except Exception:  # Redis down: fall back to short local lifetimes
            return LOCAL_TTL
        if version != _store.version:
            _store.clear()
            _store.version = version
    return 300.0


def enabled() -> bool:
    """On, except in tests (which share one process across rolled-back data) unless a test
    turns it on with PAGE_CACHE."""
    config = current_app.config
    return bool(config.get("PAGE_CACHE", not config.get("TESTING")))


def cached(key: Any, build: Callable[[], Any], ttl: float | None = None) -> Any:
    """The value for ``key`` built by ``build()`` at most once per lifetime in this process."""
    if not enabled():
        return build()
    lifetime = min(_fresh_version(), ttl or 300.0)
    now = time.monotonic()
    hit = _store.entries.get(key, _MISSING)
    if hit is not _MISSING and hit[0] > now:
        return hit[1]
    value = build()
    with _store.lock:
        if len(_store.entries) >= MAX_ENTRIES:
            _store.entries.clear()
        _store.entries[key] = (now + lifetime, value)
    return value


def invalidate() -> None:
    """Public content changed: drop this process's copies and tell the other processes."""
    _store.clear()
    if has_app_context():
        client = _redis()
        if client is not None:
            try:
                client.incr(VERSION_KEY)
            except Exception as error:
                log.warning("page cache version not bumped (%s); entries expire by age", error)


def cacheable_visitor() -> bool:
    """A visitor who sees exactly what every anonymous visitor sees."""
    return not current_user.is_authenticated and "_flashes" not in session


def fill_csrf(html: str) -> str:
    return html.replace(CSRF_MARKER, generate_csrf()) if CSRF_MARKER in html else html


def csrf_placeholder() -> str:
    return CSRF_MARKER


@event.listens_for(Session, "after_flush")
def _note_public_changes(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in TABLES:
            session.info["pagecache_dirty"] = True
            return


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    if session.info.pop("pagecache_dirty", False):
        invalidate()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("pagecache_dirty", None)
