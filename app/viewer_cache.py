"""Signed-in viewers' pages and data, cached for each viewer (app/pagecache.py holds the store,
the viewer versions and what moves them).

``viewer_page``: the key holds the account and session version the cookie claims, the viewer's
version and what picks the language. An entry is only ever stored after Flask-Login verified
that claim against the database, and any change to the account row (sign-out everywhere, a
password change, being disabled) moves the viewer's version. So with Redis (versions shared by
every process) a hit is served without loading the account again, after the same
session-protection check Flask-Login makes; ``served_to_viewer_first`` serves it even before a
route's access check (the check ran when the entry was built). Without Redis the account is
loaded each time.

Who an API key belongs to is kept apart (app/key_cache.py)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from flask_login import current_user

from app import pagecache
from app.i18n import LANG_COOKIE
from app.orgs.acting import ACTING_BRAND_KEY
from app.stamps import STAMP_MAX_AGE

log = logging.getLogger(__name__)

SHARED_PAGE = "pagecache:figures:{}"  # a page of figures, for every process (``_shared``)
SHARED_LOCK = "pagecache:figures:{}:refresh"  # the one process refreshing it holds this
SHARED_WAIT = 2.0  # at most this long a process waits for another's first build


def _session_identity() -> tuple[int, int] | None:
    """(account id, session version) the session cookie claims ("id:version"), unverified."""
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    return (int(user_id), int(version)) if user_id.isdecimal() and version.isdecimal() else None


def _viewer_key(key: Any) -> tuple | None:
    """The cache key of ``key`` for the viewer the session cookie claims, or None when nothing
    may be cached for this request."""
    if not pagecache.enabled() or "_flashes" in session:
        return None
    claimed = _session_identity()
    if claimed is None:
        return None
    if current_app.login_manager._session_protection_failed():
        return None
    version = pagecache._viewer_version(claimed[0])
    if version is None:
        return None
    return (
        "viewer", *claimed, version, session.get(ACTING_BRAND_KEY), request.cookies.get(LANG_COOKIE),
        session.get("locale"), request.headers.get("Accept-Language", ""), *key,
    )  # fmt: skip


def _kept(full_key: tuple) -> str | None:
    """With Redis, the page kept under ``full_key`` (its CSRF token filled in), else None."""
    if pagecache._redis() is None:
        return None
    pagecache._fresh_version()  # a change of public content (or a Redis restart) clears it
    hit = pagecache._live_entry(full_key, time.monotonic())
    return None if hit is pagecache._MISSING else pagecache.fill_csrf(hit)


def viewer_page(
    key: Any, build: Callable[[], str], ttl: float = pagecache.VIEWER_TTL, shared: bool = False,
    stamps: tuple[str, ...] = (),
) -> str | None:  # fmt: skip
    """A signed-in viewer's page (``build()`` renders it), cached for them; None when it cannot
    be (anonymous, a flashed message waiting, the cache off): the caller renders as usual.
    ``ttl`` bounds how old what others changed may be (a dashboard: a few seconds). ``shared``
    (a page of figures): with Redis, built by one process for all of them (``_shared``), and
    not rebuilt while ``stamps`` (app/stamps.py) have not moved."""
    full_key = _viewer_key(key)
    if full_key is None:
        return None
    hit = _kept(full_key)
    if hit is not None:
        return hit
    user = current_user
    if not user.is_authenticated or (user.id, user.session_version) != full_key[1:3]:
        return None

    def render() -> str:
        g.pagecache_csrf_placeholder = True
        try:
            return build()
        finally:
            g.pagecache_csrf_placeholder = False

    client = pagecache._redis() if shared else None
    if client is not None:
        render = _shared(client, full_key, render, ttl, stamps)
    return pagecache.fill_csrf(pagecache.cached(full_key, render, ttl=ttl))


def shared_data(
    key: Any, build: Callable[[], str], ttl: float, scopes=(), stamps: tuple[str, ...] = ()
) -> str:
    """What many readers read alike (a campaign's stats for the API), kept in this process as
    ``pagecache.cached`` keeps it (until a change to ``scopes``, ``ttl`` at most) and, with
    Redis, built by one process for all of them (``_shared``: one build per half ``ttl``
    instead of one per process per ``ttl``, none while ``stamps`` have not moved)."""
    client = pagecache._redis()
    if client is not None:
        build = _shared(client, ("shared-data", *key), build, ttl, stamps)
    return pagecache.cached(key, build, ttl=ttl, scopes=scopes)


def _claim(client, name: str, seconds: float) -> bool:
    """Whether this process is the one to build ``name`` now (``SET NX PX``; the lock is left
    to expire: nobody else refreshes the same page within ``seconds``)."""
    lock = SHARED_LOCK.format(name)
    return bool(client.set(lock, b"1", nx=True, px=max(1, int(seconds * 1000))))


def _shared(
    client, full_key: tuple, render: Callable[[], str], ttl: float, stamps: tuple[str, ...] = ()
) -> Callable[[], str]:
    """``render`` through Redis, for a page of figures kept ``ttl`` seconds (issue 26: each
    gunicorn worker rebuilt it every ``ttl`` on its own; a shared copy that simply expired had
    every worker rebuild it at the same moment). The copy in Redis is fresh ``ttl`` seconds
    (the age the page states). Past half of that, one process (``_claim``) builds the next
    copy while the others go on serving the current one (stale-while-revalidate); a process
    keeps a copy itself until the copy's half life, or, when it is past that, until it
    expires; never past the copy's ``ttl``, never more than ``ttl / 2``. When there is no fresh
    copy at all, one process builds and the others wait for it up to SHARED_WAIT seconds. The
    key is the whole viewer key (account, session and viewer versions, language, query
    string): one reader's figures are never another's. Redis not answering: ``render`` here.

    ``stamps`` (app/stamps.py): the copy records them as read before its build. When its
    refresh is due, or it is past ``ttl`` (nobody asked for it meanwhile), and they have not
    moved, nothing it shows changed: it is fresh again for ``ttl`` instead of being rebuilt,
    up to STAMP_MAX_AGE after its build (Redis keeps it that long)."""
    name = hashlib.sha256(repr(full_key).encode()).hexdigest()
    page, half = SHARED_PAGE.format(name), ttl / 2
    record = page + ":stamps"  # "<stamps read before the build>|<built at>|<known current at>"

    def kept() -> tuple[str, float] | None:
        """The copy in Redis and the seconds it stays fresh (<= 0: to be confirmed), or None."""
        html, millis, noted = (
            client.pipeline(transaction=False).get(page).pttl(page).get(record).execute()
        )
        if html is None or millis <= 0:
            return None
        if not stamps:
            return html.decode(), millis / 1000
        current_at = float(noted.decode().rsplit("|", 1)[1]) if noted else 0.0
        return html.decode(), ttl - (time.time() - current_at)

    def fresh() -> tuple[str, float] | None:
        copy = kept()
        return copy if copy is not None and copy[1] > 0 else None

    def now_stamps() -> str:
        return ",".join((v or b"0").decode() for v in client.mget(stamps))

    def confirmed(html: str) -> tuple[str, float] | None:
        """The copy, fresh again for ``ttl``: its stamps have not moved since its build."""
        if not stamps:
            return None
        noted = client.get(record)
        seen, built, _current_at = (noted or b"||0").decode().split("|")
        if noted is None or seen != now_stamps() or time.time() - float(built) > STAMP_MAX_AGE:
            return None
        client.set(record, f"{seen}|{built}|{time.time()}", keepttl=True)
        return html, ttl

    def build() -> str:
        started, at = time.monotonic(), time.time()
        try:
            read = now_stamps() if stamps else ""  # before the figures are read
        except Exception:  # Redis down: a copy with no stamps is rebuilt when due
            read = "-"
        html = render()
        elapsed = time.monotonic() - started
        left = ttl - elapsed  # the figures were read at the start
        pagecache.expires_within(min(half, left))
        if left > 0:
            try:
                pipe = client.pipeline(transaction=False)
                if stamps:
                    millis = max(1, int((STAMP_MAX_AGE - elapsed) * 1000))
                    pipe.set(page, html.encode(), px=millis)
                    pipe.set(record, f"{read}|{at}|{at}", px=millis)
                else:
                    pipe.set(page, html.encode(), px=max(1, int(left * 1000)))
                pipe.execute()
            except Exception as error:
                log.warning("page of figures not shared through Redis (%s)", error)
        return html

    def shared() -> str:
        try:
            copy = kept()
            if copy is not None and copy[1] <= half and _claim(client, name, half):
                # This process refreshes it (the others serve the current copy while it is
                # fresh): with nothing changed since its build, the copy itself is confirmed.
                copy = confirmed(copy[0])
            elif copy is None or copy[1] <= 0:  # none yet, or past ttl: another refreshes it
                copy = _wait(fresh) if copy is not None or not _claim(client, name, half) else None
        except Exception as error:  # Redis down: build here, kept here as without Redis
            log.warning("page of figures not read from Redis (%s)", error)
            return render()
        if copy is None:
            return build()
        html, left = copy
        pagecache.expires_within(left - half if left > half else left)
        return html

    return shared


def _wait(kept: Callable[[], tuple[str, float] | None]) -> tuple[str, float] | None:
    """The copy another process is building, once it is there (None after SHARED_WAIT)."""
    deadline = time.monotonic() + SHARED_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.02)
        copy = kept()
        if copy is not None:
            return copy
    return None


def viewer_data(
    user_id: int, key: Any, build: Callable[[], Any], ttl: float = pagecache.VIEWER_TTL
) -> Any:
    """What an API caller already authenticated as ``user_id`` reads (a list with their fits),
    cached for them like ``viewer_page``: rebuilt after their own changes and notifications, or
    after what others change (the shared version), or ``ttl`` at most."""
    version = pagecache._viewer_version(user_id) if pagecache.enabled() else None
    if version is None:
        return build()
    return pagecache.cached(viewer_data_key(user_id, version, key), build, ttl=ttl)


def viewer_data_key(user_id: int, version: bytes, key: tuple) -> tuple:
    """Where ``viewer_data`` keeps ``key`` for this viewer at this version (also read by
    app/key_cache.py ``kept_answer``)."""
    return ("viewer-data", user_id, version, *key)


def viewer_hit(key: Any) -> str | None:
    """A page ``viewer_page`` already keeps for this viewer, without loading the account; None
    on a miss or without Redis."""
    full_key = _viewer_key(key)
    return None if full_key is None else _kept(full_key)


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
