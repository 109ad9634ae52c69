"""Public content cached per web process, dropped where that content changes.

The hot public paths (a note's page, ``/explore``, ``/go/<code>``) read the same published
data for every visitor. Each process keeps what it built in memory, each entry tagged with the
*scopes* it was built from (``note:<id>``, ``kol:<id>``, ``brand:<id>``, ``campaign:<id>`` and
the collections ``notes``, ``campaigns``, ``profiles``; an entry that names none depends on
``all``). A commit that touches public content (``TABLES``) works out the scopes it changed
(``changed_scopes``): a comment or like on note A changes ``note:A`` only, so note B's page and
the lists that do not show A stay cached. This process drops the matching entries at once and
appends the scopes to a Redis stream, which every other process reads at most once per
``CHECK_SECONDS`` (so another worker serves the old copy for at most that long). Without Redis,
entries live ``LOCAL_TTL`` seconds. Engagement counts shown in the HTML may be ``PAGE_TTL``
seconds old; per-viewer state is loaded by JS.

Signed-in pages that many requests repeat (a KOL's campaign discovery) are cached per viewer
(``viewer_page``): the key holds the account, its session version (sign-out everywhere
drops them) and a per-viewer version in Redis that moves on every commit the viewer makes and
on every notification they get, so a badge or list never lags the viewer's own action; what
others change shows up by the shared version above, or after ``VIEWER_TTL`` at most.

Pages are cached for anonymous visitors only when they have no flashed messages: the
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
from functools import wraps
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.i18n import LANG_COOKIE
from app.redis import redis_client

log = logging.getLogger(__name__)

# Tables whose rows end up on public pages; other features may add theirs.
TABLES = {"notes", "note_images", "note_tags", "campaigns", "kol_profiles", "brand_profiles",
          "note_comments", "note_likes"}  # fmt: skip
ENGAGEMENT = {"note_comments", "note_likes"}  # change their note's pages only
STREAM_KEY = "pagecache:changes"  # scopes changed, in commit order, for the other processes
STREAM_MAX = 1_000
EVERYTHING = "*"
CHECK_SECONDS = 1.0
LOCAL_TTL = 5.0
PAGE_TTL = 15.0
MAX_ENTRIES = 2_000
CSRF_MARKER = "__csrf_token_placeholder__"
VIEWER_KEY = "pagecache:viewer:{}"
VIEWER_TTL = 30.0
_MISSING = object()
_local_viewer_versions: dict[int, int] = {}


class _Store:
    def __init__(self) -> None:
        self.entries: dict[Any, tuple[float, Any]] = {}
        self.scopes: dict[Any, frozenset[str]] = {}
        self.seen: bytes | None = None  # the last change read from the stream
        self.checked = 0.0
        self.lock = threading.Lock()
        self.building = threading.local()  # the scopes a build in progress depends on

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.scopes.clear()

    def drop(self, scopes: set[str]) -> None:
        """Drop the entries built from any of ``scopes`` (those naming none depend on "all")."""
        with self.lock:
            gone = [key for key, tags in self.scopes.items() if not tags.isdisjoint(scopes)]
            for key in gone:
                self.entries.pop(key, None)
                self.scopes.pop(key, None)


_store = _Store()


def _redis(config=None):
    config = config if config is not None else current_app.config
    if not config.get("REDIS_URL") or config.get("TESTING"):
        return None
    return redis_client(config)


def _stream_id(raw: bytes) -> tuple[int, int]:
    millis, _sep, sequence = raw.partition(b"-")
    return int(millis), int(sequence or 0)


def _read_changes(client) -> None:
    """Drop what other processes changed since the last look; everything when changes may
    have been missed (first look, Redis restarted or down, more than STREAM_MAX since)."""
    seen = _store.seen
    if seen is None:
        newest = client.xrevrange(STREAM_KEY, count=1)
        _store.clear()
        _store.seen = newest[0][0] if newest else b"0-0"
        return
    changes = client.xrange(STREAM_KEY, min=b"(" + seen, count=STREAM_MAX)
    if not changes:
        return
    oldest = client.xrange(STREAM_KEY, count=1)
    trimmed = seen != b"0-0" and _stream_id(oldest[0][0]) > _stream_id(seen)
    if trimmed or len(changes) >= STREAM_MAX:
        _store.clear()
    else:
        scopes: set[str] = set()
        for _id, fields in changes:
            scopes.update(fields.get(b"s", EVERYTHING.encode()).decode().split())
        _drop(scopes)
    _store.seen = changes[-1][0]


def _drop(scopes: set[str]) -> None:
    _store.clear() if EVERYTHING in scopes else _store.drop(scopes)


def _fresh_version(config=None) -> float:
    """Apply other processes' changes (at most once per CHECK_SECONDS); the TTL entries get."""
    client = _redis(config)
    if client is None:
        return LOCAL_TTL
    now = time.monotonic()
    if now - _store.checked >= CHECK_SECONDS:
        _store.checked = now
        try:
            _read_changes(client)
        except Exception:  # Redis down: fall back to short local lifetimes, re-sync after
            _store.seen = None
            return LOCAL_TTL
    return 300.0


def enabled(config=None) -> bool:
    """On, except in tests (which share one process across rolled-back data) unless a test
    turns it on with PAGE_CACHE."""
    config = config if config is not None else current_app.config
    return bool(config.get("PAGE_CACHE", not config.get("TESTING")))


def _live_entry(key: Any, now: float) -> Any:
    """The value kept for ``key`` if it has not expired, else _MISSING."""
    hit = _store.entries.get(key, _MISSING)
    return hit[1] if hit is not _MISSING and hit[0] > now else _MISSING


def depends_on(*scopes: str) -> None:
    """The entry being built shows what ``scopes`` name (no-op outside a build)."""
    stack = getattr(_store.building, "stack", None)
    if stack:
        stack[-1].update(scopes)


def note_scopes(notes) -> list[str]:
    """What a page showing ``notes`` (with their authors' names) is built from."""
    scopes = []
    for note in notes:
        scopes += (f"note:{note.id}", f"kol:{note.kol_id}", f"brand:{note.brand_id}")
    return scopes


def _build(key: Any, build: Callable[[], Any], scopes) -> tuple[Any, frozenset[str]]:
    stack = _store.building.__dict__.setdefault("stack", [])
    stack.append(set(scopes))
    try:
        value = build()
    finally:
        tags = stack.pop()
    tags = frozenset(tags or ("all",))
    depends_on(*tags)  # an outer build depends on what this one does
    return value, tags


def cached(key: Any, build: Callable[[], Any], ttl: float | None = None, scopes=()) -> Any:
    """The value for ``key`` built by ``build()`` at most once per lifetime in this process,
    until a change to one of ``scopes`` (plus any ``depends_on`` names during the build)."""
    config = current_app.config  # one context lookup: this is on every public hit's path
    if not enabled(config):
        return build()
    lifetime = min(_fresh_version(config), ttl or 300.0)
    now = time.monotonic()
    value = _live_entry(key, now)
    if value is not _MISSING:
        depends_on(*_store.scopes.get(key, ("all",)))
        return value
    value, tags = _build(key, build, scopes)
    with _store.lock:
        if len(_store.entries) >= MAX_ENTRIES:
            _make_room(now)
        _store.entries[key] = (now + lifetime, value)
        _store.scopes[key] = tags
    return value


def _make_room(now: float) -> None:
    """Full (many viewers' pages): drop what has expired, then the older half — never the
    whole store at once, which made every process rebuild its public pages together."""
    entries = _store.entries
    for key in [k for k, (until, _value) in entries.items() if until <= now]:
        del entries[key]
    if len(entries) >= MAX_ENTRIES:
        for key in list(entries)[: len(entries) // 2]:  # insertion order: oldest first
            del entries[key]
    for key in [k for k in _store.scopes if k not in entries]:
        del _store.scopes[key]


def invalidate(scopes=None) -> None:
    """Public content changed: drop this process's copies built from ``scopes`` (all of them
    when None) and tell the other processes."""
    scopes = set(scopes) if scopes is not None else {EVERYTHING}
    _drop(scopes)
    if has_app_context():
        client = _redis()
        if client is not None:
            try:
                fields = {"s": " ".join(sorted(scopes))}
                client.xadd(STREAM_KEY, fields, maxlen=STREAM_MAX, approximate=False)
            except Exception as error:
                log.warning("page cache change not published (%s); entries expire by age", error)


def changed_scopes(obj) -> set[str]:
    """The scopes a new, changed or deleted row of ``TABLES`` touches."""
    table = obj.__tablename__
    if table in ENGAGEMENT:
        return {f"note:{obj.note_id}"}
    if table == "notes":
        scopes = {f"note:{obj.id}", f"kol:{obj.kol_id}", f"brand:{obj.brand_id}", "notes"}
    elif table in {"note_images", "note_tags"}:
        scopes = {f"note:{obj.note_id}", "notes"}
    elif table == "campaigns":
        scopes = {f"campaign:{obj.id}", f"brand:{obj.brand_id}", "campaigns"}
    elif table in {"kol_profiles", "brand_profiles"}:
        scopes = {f"{table[:-9]}:{obj.user_id}", "profiles"}
    else:  # a table another feature added: everything built without scopes
        scopes = set()
    return scopes | {"all"}


def cacheable_visitor() -> bool:
    """A visitor who sees exactly what every anonymous visitor sees."""
    return not current_user.is_authenticated and "_flashes" not in session


def _viewer_version(user_id: int):
    """The viewer's version: Redis (shared by every process), else this process's own; None
    when Redis is configured but not answering (then nothing per viewer is cached)."""
    client = _redis()
    if client is None:
        return _local_viewer_versions.get(user_id, 0)
    try:
        return client.get(VIEWER_KEY.format(user_id)) or b"0"
    except Exception:
        return None


def _session_identity() -> tuple[int, int] | None:
    """(account id, session version) the session cookie claims ("id:version"), unverified."""
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    return (int(user_id), int(version)) if user_id.isdecimal() and version.isdecimal() else None


def viewer_page(key: Any, build: Callable[[], str], ttl: float = VIEWER_TTL) -> str | None:
    """A signed-in viewer's page (``build()`` renders it), cached for them; None when it cannot
    be (anonymous, a flashed message waiting, the cache off): the caller renders as usual.

    The key holds the account and session version the cookie claims, the viewer's version and
    what picks the language. An entry is only ever stored after Flask-Login verified that
    claim against the database, and any change to the account row (sign-out everywhere, a
    password change, being disabled) moves the viewer's version. So with Redis (versions
    shared by every process) a hit is served without loading the account again — after the
    same session-protection check Flask-Login makes. Without Redis the account is loaded each
    time. ``ttl`` bounds how old what others changed may be (a dashboard: a few seconds)."""
    full_key = _viewer_key(key)
    if full_key is None:
        return None
    claimed = full_key[1:3]
    if _redis() is not None:
        _fresh_version()  # a change of public content (or a Redis restart) clears this process
        hit = _live_entry(full_key, time.monotonic())
        if hit is not _MISSING:
            return fill_csrf(hit)
    user = current_user
    if not user.is_authenticated or (user.id, user.session_version) != claimed:
        return None

    def render() -> str:
        g.pagecache_csrf_placeholder = True
        try:
            return build()
        finally:
            g.pagecache_csrf_placeholder = False

    return fill_csrf(cached(full_key, render, ttl=ttl))


def viewer_data(user_id: int, key: Any, build: Callable[[], Any], ttl: float = VIEWER_TTL) -> Any:
    """What an API caller already authenticated as ``user_id`` reads (a list with their fits),
    cached for them like ``viewer_page``: rebuilt after their own changes and notifications, or
    after what others change (the shared version), or ``ttl`` at most."""
    version = _viewer_version(user_id) if enabled() else None
    if version is None:
        return build()
    return cached(("viewer-data", user_id, version, *key), build, ttl=ttl)


def _viewer_key(key: Any) -> tuple | None:
    """The cache key of ``key`` for the viewer the session cookie claims, or None when nothing
    may be cached for this request."""
    if not enabled() or "_flashes" in session:
        return None
    claimed = _session_identity()
    if claimed is None:
        return None
    if current_app.login_manager._session_protection_failed():
        return None
    version = _viewer_version(claimed[0])
    if version is None:
        return None
    return (
        "viewer", *claimed, version, request.cookies.get(LANG_COOKIE), session.get("locale"),
        request.headers.get("Accept-Language", ""), *key,
    )  # fmt: skip


def viewer_hit(key: Any) -> str | None:
    """A page ``viewer_page`` already keeps for this viewer, without loading the account; None
    on a miss or without Redis. Safe before a route's access check: an entry exists only for
    the account, session and versions that built it, and that build passed the check (a
    change of role or account moves the viewer's version)."""
    if _redis() is None:
        return None
    full_key = _viewer_key(key)
    if full_key is None:
        return None
    _fresh_version()
    hit = _live_entry(full_key, time.monotonic())
    return None if hit is _MISSING else fill_csrf(hit)


def served_to_viewer_first(make_key: Callable[..., Any]) -> Callable:
    """A decorator above ``@access``: a page this viewer already has in ``viewer_page`` is
    served before the access check loads their account (the check ran when it was built)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            html = viewer_hit(make_key(*args, **kwargs))
            return html if html is not None else view(*args, **kwargs)

        return wrapper

    return decorate


def touch_viewers(user_ids) -> None:
    """What these users see changed: their cached pages are rebuilt on their next request."""
    client = _redis() if has_app_context() else None
    for user_id in set(user_ids):
        _local_viewer_versions[user_id] = _local_viewer_versions.get(user_id, 0) + 1
        if client is not None:
            try:
                key = VIEWER_KEY.format(user_id)
                client.pipeline(transaction=False).incr(key).expire(key, 86_400).execute()
            except Exception as error:
                log.warning("viewer cache version not bumped (%s); pages expire by age", error)


def mark_viewer_changed(session: Session, user_id: int) -> None:
    """Touch ``user_id``'s cached pages once ``session`` commits (a notification for them)."""
    session.info.setdefault("pagecache_viewers", set()).add(user_id)


def csrf_token() -> str:
    """The template global: the marker while a cached page is built, else a real token."""
    return CSRF_MARKER if g.get("pagecache_csrf_placeholder") else generate_csrf()


def fill_csrf(html: str) -> str:
    return html.replace(CSRF_MARKER, generate_csrf()) if CSRF_MARKER in html else html


def csrf_placeholder() -> str:
    return CSRF_MARKER


def _signed_in_user_id() -> int | None:
    """The request's signed-in user, if Flask-Login (or an API key) has loaded one (never loads
    it here)."""
    if not has_request_context():
        return None
    user = g.get("_login_user") or g.get("api_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


@event.listens_for(Session, "after_flush")
def _note_public_changes(session: Session, _context) -> None:
    if session.new or session.dirty or session.deleted:
        user_id = _signed_in_user_id()
        if user_id is not None:  # the viewer's own action: their pages change at once
            mark_viewer_changed(session, user_id)
    for obj in (*session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) == "users":  # signed out, disabled, renamed …
            mark_viewer_changed(session, obj.id)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in TABLES:
            session.info.setdefault("pagecache_dirty", set()).update(changed_scopes(obj))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    """A bulk UPDATE/DELETE/INSERT (no flush) in the viewer's request changes their pages too."""
    if state.is_update or state.is_delete or state.is_insert:
        user_id = _signed_in_user_id()
        if user_id is not None:
            mark_viewer_changed(state.session, user_id)


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    scopes = session.info.pop("pagecache_dirty", None)
    if scopes:
        invalidate(scopes)
    viewers = session.info.pop("pagecache_viewers", None)
    if viewers:
        touch_viewers(viewers)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("pagecache_dirty", None)
        session.info.pop("pagecache_viewers", None)
