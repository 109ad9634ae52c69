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
(``viewer_page``, app/viewer_cache.py): the key holds the account, its session version
(sign-out everywhere drops them) and a per-viewer version in Redis that moves on every commit
the viewer makes and on every notification they get, so a badge or list never lags the viewer's own action; what
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
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

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


def expires_within(seconds: float) -> None:
    """The entry being built may be kept at most ``seconds`` more (what it holds came from
    another process, already part-way through its life); no-op outside a build."""
    caps = getattr(_store.building, "caps", None)
    if caps:
        caps[-1] = max(0.0, min(caps[-1], seconds))


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
    caps = _store.building.__dict__.setdefault("caps", [])
    caps.append(lifetime)
    try:
        value, tags = _build(key, build, scopes)
    finally:
        lifetime = caps.pop()
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


def read_ahead(name: str) -> Any:
    """A Redis value this request already read with another one (``g.redis_read_ahead``: an
    API call's rate-limit hit reads its key's caller and their viewer version in the same
    round trip), once; _MISSING when it was not read ahead."""
    reads = g.get("redis_read_ahead")
    return reads.pop(name, _MISSING) if reads else _MISSING


def kept(key: Any) -> Any:
    """What ``cached`` keeps for ``key`` now (other processes' changes applied first), without
    building it; _MISSING when nothing live is kept."""
    config = current_app.config
    if not enabled(config):
        return _MISSING
    _fresh_version(config)
    return _live_entry(key, time.monotonic())


def _viewer_version(user_id: int):
    """The viewer's version: Redis (shared by every process), else this process's own; None
    when Redis is configured but not answering (then nothing per viewer is cached)."""
    client = _redis()
    if client is None:
        return _local_viewer_versions.get(user_id, 0)
    kept = read_ahead(VIEWER_KEY.format(user_id))
    if kept is not _MISSING:
        return kept or b"0"
    try:
        return client.get(VIEWER_KEY.format(user_id)) or b"0"
    except Exception:
        return None


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
    if session.in_nested_transaction():
        return  # a SAVEPOINT released (after_commit fires for it too): not committed yet
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
