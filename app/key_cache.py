"""Who an API key belongs to, kept in Redis (shared by every process) for API_KEY_TTL seconds,
so that an API request with a known key costs no query (``api_caller``). Revoking a key and any
change to its account's row (disabled, role, signed out everywhere — not a sign-in's stamp) or
to its membership of a brand's team or an agency (app/orgs) replace the kept copies with a
tombstone when the change commits, so the very next request asks the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from flask import g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app import pagecache, viewer_cache

log = logging.getLogger(__name__)

API_KEY = "apikey:{}"  # a key's hash -> its caller (JSON), or DROPPED
API_KEYS_OF = "apikeys:of:{}"  # an account -> the hashes of its keys kept
API_KEYS_DROPPED = "apikeys:dropped:{}"  # the account changed lately: what a read kept is void
API_KEY_TTL = 60
DROPPED = b"-"
OWNERS_MAX = 10_000
_owners: dict[str, int] = {}  # a key's hash -> its owner, as this process has read it


def api_caller(key_hash: str, load: Callable[[], dict | None]) -> dict | None:
    """The caller of the API key with this hash: kept in Redis, else ``load()`` (the database:
    a dict with at least ``id``, or None for a key it refuses), kept for API_KEY_TTL seconds.
    A tombstone (a revoked key, an account that changed) always asks the database."""
    client = pagecache._redis()
    if client is None:
        return load()
    name = API_KEY.format(key_hash)
    kept = pagecache.read_ahead(name)
    try:
        kept = client.get(name) if kept is pagecache._MISSING else kept
    except Exception:  # Redis down: the database answers
        return load()
    if kept is not None and kept != DROPPED:
        caller = json.loads(kept)
        _remember_owner(key_hash, caller["id"])
        return caller
    caller = load()
    if caller is not None:
        _remember_owner(key_hash, caller["id"])
        if kept is None:
            _keep(client, name, key_hash, caller)
    return caller


def kept_answer(key_hash: str, name: str, query: bytes) -> bytes | None:
    """What ``viewer_data`` keeps for the owner of this key under ``(name, query)``, when this
    call's rate-limit hit read a live copy of the key's caller and the owner's viewer version
    (app/api/ratelimit.py): the answer of an earlier call with the same key, endpoint and query
    string, built after the access check passed. The key's owner is the account the call acts
    as (a team member or agency acting for a brand acts as the brand's account: no copy of
    theirs is kept under their own id). Anything that changes what that check decides — the key
    revoked, the account disabled, its role or team changed — voids the caller's copy (a
    tombstone: None here) or moves the owner's version (another key of the cache)."""
    reads = g.get("redis_read_ahead") or {}  # peeked: on a miss the access check reads them
    owner = _owners.get(key_hash)
    caller = reads.get(API_KEY.format(key_hash))
    if owner is None or caller in (None, DROPPED):
        return None
    version = reads.get(pagecache.VIEWER_KEY.format(owner), pagecache._MISSING)
    if version is pagecache._MISSING:
        return None
    body = pagecache.kept(viewer_cache.viewer_data_key(owner, version or b"0", (name, query)))
    return None if body is pagecache._MISSING else body


def _remember_owner(key_hash: str, user_id: int) -> None:
    if len(_owners) >= OWNERS_MAX:
        _owners.clear()
    _owners[key_hash] = user_id


def api_reads_ahead(key_hash: str) -> tuple[str, ...]:
    """The Redis keys an API call with this key will read (its caller and, when this process
    has seen the key before, the owner's viewer version), for app/api/ratelimit.py to read in
    the rate-limit hit's round trip. A key's owner never changes; whether the key is still
    active is what the caller's copy says."""
    owner = _owners.get(key_hash)
    name = API_KEY.format(key_hash)
    return (name,) if owner is None else (name, pagecache.VIEWER_KEY.format(owner))


def _keep(client, name: str, key_hash: str, caller: dict) -> None:
    """Keep ``caller`` unless a tombstone came first (NX); and if the account changed while the
    database was read (its drop ran before this hash was listed), drop it again at once."""
    owner = API_KEYS_OF.format(caller["id"])
    try:
        stored, _added, _ttl, changed = (
            client.pipeline(transaction=False)
            .set(name, json.dumps(caller), ex=API_KEY_TTL, nx=True)
            .sadd(owner, key_hash)
            .expire(owner, API_KEY_TTL)
            .exists(API_KEYS_DROPPED.format(caller["id"]))
            .execute()
        )
        if stored and changed:
            client.set(name, DROPPED, ex=API_KEY_TTL)
    except Exception as error:
        log.warning("API key not kept in Redis (%s); the database answers", error)


def drop_api_keys(*, key_hashes: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
    """Keys revoked, accounts changed: their kept callers become tombstones (the next request
    asks the database)."""
    key_hashes, user_ids = set(key_hashes), set(user_ids)
    client = pagecache._redis() if has_app_context() else None
    if client is None or not (key_hashes or user_ids):
        return
    try:
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.set(API_KEYS_DROPPED.format(user_id), 1, ex=API_KEY_TTL)
            pipe.smembers(API_KEYS_OF.format(user_id))
        for members in pipe.execute()[1::2]:
            key_hashes.update(member.decode() for member in members)
        pipe = client.pipeline(transaction=False)
        for key_hash in key_hashes:
            pipe.set(API_KEY.format(key_hash), DROPPED, ex=API_KEY_TTL)
        pipe.execute()
    except Exception as error:  # the copies still end within API_KEY_TTL
        log.warning("API keys not dropped from Redis (%s); they expire by age", error)


# A sign-in's stamp: nothing a key's call reads. Voiding the person's kept keys on it sent their
# every API call to the database for API_KEY_TTL after each sign-in (the bench found it).
_NOT_READ_BY_KEYS = frozenset({"last_login_at"})


def _account_changed(user) -> bool:
    state = inspect(user)
    return state.deleted or any(
        attr.history.has_changes() for attr in state.attrs if attr.key not in _NOT_READ_BY_KEYS
    )


@event.listens_for(Session, "after_flush")
def _note_api_key_changes(session: Session, _context) -> None:
    for obj in (*session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "users" and _account_changed(obj):
            session.info.setdefault("api_key_users", set()).add(obj.id)
        elif table == "memberships":  # a role changed, a member removed (app/orgs)
            session.info.setdefault("api_key_users", set()).add(obj.user_id)
        elif table == "api_keys" and (
            obj in session.deleted or inspect(obj).attrs.revoked_at.history.has_changes()
        ):
            session.info.setdefault("api_key_hashes", set()).add(obj.key_hash)


@event.listens_for(Session, "before_flush")
def _note_new_memberships(session: Session, _context, _instances) -> None:
    """Someone joining a team: what their key's kept copy says about their team is stale."""
    for obj in session.new:
        if getattr(obj, "__tablename__", None) == "memberships":
            session.info.setdefault("api_key_users", set()).add(obj.user_id)


@event.listens_for(Session, "after_commit")
def _drop_api_keys_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released (after_commit fires for it too): not committed yet
    users = session.info.pop("api_key_users", ())
    hashes = session.info.pop("api_key_hashes", ())
    if users or hashes:
        drop_api_keys(key_hashes=hashes, user_ids=users)


@event.listens_for(Session, "after_soft_rollback")
def _forget_api_key_changes(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("api_key_users", None)
        session.info.pop("api_key_hashes", None)
