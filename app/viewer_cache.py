"""Signed-in viewers' pages and data, cached for each viewer (app/pagecache.py holds the store,
the viewer versions and what moves them).

``viewer_page``: the key holds the account and session version the cookie claims, the viewer's
version and what picks the language. An entry is only ever stored after Flask-Login verified
that claim against the database, and any change to the account row (sign-out everywhere, a
password change, being disabled) moves the viewer's version. So with Redis (versions shared by
every process) a hit is served without loading the account again, after the same
session-protection check Flask-Login makes; ``served_to_viewer_first`` serves it even before a
route's access check (the check ran when the entry was built). Without Redis the account is
loaded each time."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from flask_login import current_user

from app import pagecache
from app.i18n import LANG_COOKIE


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
        "viewer", *claimed, version, request.cookies.get(LANG_COOKIE), session.get("locale"),
        request.headers.get("Accept-Language", ""), *key,
    )  # fmt: skip


def _kept(full_key: tuple) -> str | None:
    """With Redis, the page kept under ``full_key`` (its CSRF token filled in), else None."""
    if pagecache._redis() is None:
        return None
    pagecache._fresh_version()  # a change of public content (or a Redis restart) clears it
    hit = pagecache._live_entry(full_key, time.monotonic())
    return None if hit is pagecache._MISSING else pagecache.fill_csrf(hit)


def viewer_page(
    key: Any, build: Callable[[], str], ttl: float = pagecache.VIEWER_TTL
) -> str | None:
    """A signed-in viewer's page (``build()`` renders it), cached for them; None when it cannot
    be (anonymous, a flashed message waiting, the cache off): the caller renders as usual.
    ``ttl`` bounds how old what others changed may be (a dashboard: a few seconds)."""
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

    return pagecache.fill_csrf(pagecache.cached(full_key, render, ttl=ttl))


def viewer_data(
    user_id: int, key: Any, build: Callable[[], Any], ttl: float = pagecache.VIEWER_TTL
) -> Any:
    """What an API caller already authenticated as ``user_id`` reads (a list with their fits),
    cached for them like ``viewer_page``: rebuilt after their own changes and notifications, or
    after what others change (the shared version), or ``ttl`` at most."""
    version = pagecache._viewer_version(user_id) if pagecache.enabled() else None
    if version is None:
        return build()
    return pagecache.cached(("viewer-data", user_id, version, *key), build, ttl=ttl)


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
