"""Rate-limit counters that every process shares: in Redis when it is configured, in the
database otherwise, and in the database while Redis is down.

Flask-Limiter keeps its counters in a ``limits`` storage named by ``RATELIMIT_STORAGE_URI``.
Its memory store is per process: with several gunicorn workers each counted its own attempts
(a probe met the sign-in limit of 20 at attempts 21, 22 and 35). The two storages defined here
keep one count per deployment; ``create_app()`` picks one with ``storage_uri()``:

- ``database://``: one row per limit and key in ``rate_limit_counters``, bumped by a single
  atomic UPSERT (``INSERT … ON CONFLICT DO UPDATE … RETURNING``: SQLite 3.35+, PostgreSQL).
  A row whose window has ended is reset by the next hit and deleted by a later sweep.
- ``database+redis://…``: Redis, and the database while Redis fails (``app.redis``'s short
  "down" memory: one slow attempt, then the database for a few seconds).

Only the fixed-window strategy (Flask-Limiter's default) is supported: it needs ``incr``,
``get`` and ``get_expiry``.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g
from limits.storage import RedisStorage, Storage
from sqlalchemy import Connection, Float, Integer, String, bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app import redis as app_redis
from app.extensions import db

KEY_MAX = 255
SWEEP_SECONDS = 60  # expired rows are deleted at most this often per process
REDIS_TIMEOUT = 1.0  # a Redis that does not answer costs a request at most this long


class RateLimitCounter(db.Model):
    """Hits in the current window of one limit for one key (an IP, an account, an e-mail)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    # Epoch seconds, the clock the ``limits`` package counts windows in.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


def storage_uri(redis_url: str | None) -> str:
    """The limiter's storage for this deployment: Redis backed by the database, or the
    database alone."""
    return f"database+{redis_url}" if redis_url else "database://"


def drop_idle_middleware(app, limiter) -> None:
    """Flask-Limiter checks every request before its view (``before_request``) for the limits
    that apply to whole routes: application-wide, default and blueprint limits, meta limits,
    and explicit in-memory fallback limits. A route's own limits (``@limiter.limit``, ``@limiter.shared_limit``) are checked by
    their decorator when the view runs, not there. With none of the first kind configured, the
    check resolves nothing on every request and costs ~70-90 µs (a fifth of a small page's
    time in Flask): it is removed then. Call once every blueprint is registered."""
    manager = limiter.limit_manager
    whole_routes = (
        manager.application_limits
        or manager.default_limits
        or any(manager.blueprint_limits(app, name) for name in app.blueprints)
        or app.config.get("RATELIMIT_META")
        or app.config.get("RATELIMIT_IN_MEMORY_FALLBACK")
    )
    hooks = app.before_request_funcs.get(None, [])
    if not whole_routes and limiter._check_request_limit in hooks:  # none when disabled
        hooks.remove(limiter._check_request_limit)


def _stored_key(key: str) -> str:
    """A key carries what the client typed (the e-mail of a sign-in): a long one is hashed."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _end_request_transaction() -> None:
    """On SQLite a request that has read anything (its signed-in user) holds the file's write
    lock until its transaction ends (every transaction begins IMMEDIATE, app/__init__.py): a
    counter written on another connection would wait on a lock its own thread holds. Limits
    are checked by their decorators before the view runs, when the request has only read (and
    perhaps noted an API key's last use), so that transaction is ended first; a limit must
    never be checked from inside a view. The test suite's one shared connection is treated
    alike, so a refused request's rollback cannot undo its count."""
    if db.session().in_transaction():
        db.session.commit()


@contextmanager
def _writing() -> Iterator[Connection]:
    """A transaction of its own: a count survives the rollback of the request it limits."""
    bind = db.engine  # in the test suite, the test's own connection (tests/conftest.py)
    if isinstance(bind, Connection) or bind.dialect.name == "sqlite":
        _end_request_transaction()
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as connection:
        yield connection


class DatabaseStorage(Storage):
    """Counters in the app's own database (``database://``)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._swept_at = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with _writing() as connection:
            self._sweep(connection, now)
            hits, expires_at = _upsert(connection, key, expiry, amount, now).one()
        _window_cache()[_stored_key(key)] = (hits, expires_at)
        return hits

    def get(self, key: str) -> int:
        hits, expires_at = self._window(key)
        return hits if expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        _hits, expires_at = self._window(key)
        return expires_at if expires_at > now else now

    def check(self) -> bool:
        try:
            with _writing() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        _window_cache().clear()
        with _writing() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        _window_cache().pop(_stored_key(key), None)
        with _writing() as connection:
            connection.execute(
                delete(RateLimitCounter).where(RateLimitCounter.key == _stored_key(key))
            )

    def _window(self, key: str) -> tuple[int, float]:
        """(hits, end of window): this request's own count when it has just hit the limit
        (the rate-limit headers read it back), else read in the request's session."""
        stored = _stored_key(key)
        cached = _window_cache().get(stored)
        if cached is not None:
            return cached
        row = db.session.execute(
            select(RateLimitCounter.hits, RateLimitCounter.expires_at).where(
                RateLimitCounter.key == stored
            )
        ).one_or_none()
        return (row.hits, row.expires_at) if row else (0, 0.0)

    def _sweep(self, connection: Connection, now: float) -> None:
        if now - self._swept_at < SWEEP_SECONDS:
            return
        connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
        self._swept_at = now


def _window_cache() -> dict[str, tuple[int, float]]:
    return g.setdefault("rate_limit_windows", {})


def _upsert(connection: Connection, key: str, expiry: int, amount: int, now: float):
    """One statement: a new window starts at ``amount`` hits, a live one adds ``amount``
    (returns the window's hits and end)."""
    values = {"key": _stored_key(key), "amount": amount, "expires_at": now + expiry, "now": now}
    return connection.execute(_upsert_statement(connection.dialect.name), values)


@functools.cache
def _upsert_statement(dialect_name: str):
    """``_upsert``'s statement, built once per dialect (building it cost more than running
    it: every API call and limited form post runs it)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = RateLimitCounter.__table__
    insert = dialect.insert(table).values(
        key=bindparam("key"), hits=bindparam("amount"), expires_at=bindparam("expires_at")
    )
    ended = table.c.expires_at <= bindparam("now", type_=table.c.expires_at.type)
    return insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "hits": case((ended, insert.excluded.hits), else_=table.c.hits + insert.excluded.hits),
            "expires_at": case((ended, insert.excluded.expires_at), else_=table.c.expires_at),
        },
    ).returning(table.c.hits, table.c.expires_at)


# One fixed-window hit (the window's expiry set on its first hit, as the limits package's own
# incr_expire script does) and its remaining seconds, then the other keys' values (nil: none).
HIT_AND_READ = """
local hits = redis.call('incrby', KEYS[1], 1)
if hits == 1 then redis.call('expire', KEYS[1], ARGV[1]) end
local ttl = redis.call('ttl', KEYS[1])
if ttl < 0 then
  redis.call('expire', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local answer = {hits, ttl}
for i = 2, #KEYS do answer[i + 1] = redis.call('get', KEYS[i]) end
return answer
"""


class RedisOrDatabaseStorage(Storage):
    """Redis (``database+redis://host:port/db``); the database while Redis fails. Counts
    restart when the store changes over: a short outage gives an attacker at most one fresh
    window, never a per-process count."""

    STORAGE_SCHEME = ["database+redis", "database+rediss"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        options.setdefault("socket_timeout", REDIS_TIMEOUT)
        options.setdefault("socket_connect_timeout", REDIS_TIMEOUT)
        self.redis = RedisStorage(uri.removeprefix("database+"), **options)
        self.database = DatabaseStorage()
        self._hit_script = None

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _call(self, name: str, *args: Any) -> Any:
        if not app_redis.is_down():
            try:
                return getattr(self.redis, name)(*args)
            except self.redis.base_exceptions as error:
                app_redis.mark_down(error, "rate-limit counters")
        return getattr(self.database, name)(*args)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount)

    def hit_and_read(
        self, key: str, expiry: int, also_get: tuple[str, ...] = ()
    ) -> tuple[int, float, list[bytes | None] | None]:
        """One hit on a fixed window and where it stands — (hits, end of window, the values of
        ``also_get``, other Redis keys read on the way) — in one Redis round trip instead of
        the limiter's three (incr, get, ttl): this is on every API call's path (a script,
        ``HIT_AND_READ``). The database while Redis fails (then nothing else is read: None)."""
        if not app_redis.is_down():
            try:
                return self._hit_in_redis(key, expiry, also_get)
            except self.redis.base_exceptions as error:
                app_redis.mark_down(error, "rate-limit counters")
        hits = self.database.incr(key, expiry)
        return hits, self.database.get_expiry(key), None

    def _hit_in_redis(self, key: str, expiry: int, also_get: tuple[str, ...]):
        if self._hit_script is None:
            self._hit_script = self.redis.storage.register_script(HIT_AND_READ)
        keys = [self.redis.prefixed_key(key), *also_get]
        hits, ttl, *values = self._hit_script(keys=keys, args=[expiry])
        return int(hits), time.time() + int(ttl), values

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return self.redis.check() or self.database.check()

    def reset(self) -> int | None:
        self.database.reset()
        return self._call("reset")

    def clear(self, key: str) -> None:
        self.database.clear(key)
        self._call("clear", key)
