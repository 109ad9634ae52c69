"""Where engagement actions go, and the writer that applies them.

With Redis, an action is one pipelined round trip: XADD to a stream plus the user's pending
state (so their buttons show the change at once); no database write in the request. The writer
(``drain``, scheduled by app/cron.py, inline when jobs run inline) reads the stream through a
consumer group, applies a batch in stream order, commits, then acknowledges. Without Redis (or
with Redis down) the same ``apply_actions`` runs in the request and commits. Neither → 503.

Counting is decided by the rows: a like/save/follow adds 1 to the hourly rollup only if its row
was inserted, an unlike/unsave/unfollow takes 1 off only if a row was deleted, "bought it" adds
1 only if it set ``bought_at`` — in the same transaction as the row change. So a replayed entry
(a crash between commit and XACK) changes nothing, and a crash before commit leaves the entries
pending for the next drain (its own, or claimed with XAUTOCLAIM): nothing lost, nothing twice.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, text, update

from app.analytics.models import HourlyRollup
from app.analytics.rollups import hour_of
from app.context import in_app_context
from app.engagement.models import KolFollow, NoteLike, NoteSave
from app.errors import DomainError
from app.extensions import db
from app.notes.models import Note
from app.redis import is_down, mark_down, redis_client
from app.streams import acknowledge, consumer_name, ensure_group, read_entries
from app.streams import backlog as stream_backlog

log = logging.getLogger(__name__)
WRITER_LOCK = 0x454E4741  # pg advisory lock id: one engagement writer at a time
PENDING_TTL = 600  # seconds a user's pending state outlives its action (the writer is behind)
ENGAGEMENT_COUNTERS = ("likes", "saves", "comments", "follows", "bought", "flagged_engagements")


class EngagementUnavailable(DomainError):
    """Neither Redis nor the database accepted the action: the client retries later."""

    status = 503
    code = "engagement_unavailable"
    retry_after = 5


def pending_key(user_id: int) -> str:
    return f"{current_app.config['ENGAGEMENT_STREAM']}:pending:{user_id}"


def use_redis() -> bool:
    return current_app.config["ENGAGEMENT_BUFFER"] != "direct" and redis_client() is not None


def _to_redis(action: dict, pending: dict[str, str]) -> bool:
    if is_down():
        return False
    try:
        pipe = redis_client().pipeline(transaction=True)
        action_json = json.dumps(action, separators=(",", ":"))
        pipe.xadd(current_app.config["ENGAGEMENT_STREAM"], {"a": action_json})
        if pending:
            key = pending_key(action["u"])
            pipe.hset(key, mapping=pending)
            pipe.expire(key, PENDING_TTL)
        pipe.execute()
        return True
    except Exception as error:  # Redis down or refusing: the database takes it
        mark_down(error, "engagement buffer")
        return False


def accept(action: dict, pending: dict[str, str]) -> str:
    """Buffer one action (and the user's pending state) or apply it directly (commits);
    returns where it went. Raises EngagementUnavailable when neither store accepts it."""
    if use_redis() and _to_redis(action, pending):
        if current_app.config.get("JOBS_INLINE"):
            try:
                drain_all()
            except Exception:  # buffered safely: the next drain applies it
                db.session.rollback()
                log.exception("inline engagement drain failed")
        return "redis"
    try:
        apply_actions([action])
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.error("engagement action refused by the database: %s", error)
        raise EngagementUnavailable(_("This is unavailable right now; retry shortly.")) from error
    return "database"


def pending_state(user_id: int) -> dict[str, str]:
    """The user's actions not yet applied by the writer (field → value), {} without Redis."""
    if not use_redis() or is_down():
        return {}
    try:
        raw = redis_client().hgetall(pending_key(user_id))
    except Exception:
        return {}
    return {k.decode(): v.decode() for k, v in raw.items()}


# --- the writer's database side -------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert(model):
    if _dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__)


def _inserted(model, values: dict, keys: list[str]) -> bool:
    stmt = _insert(model).values(values).on_conflict_do_nothing(index_elements=keys)
    column = model.__table__.c[keys[0]]
    return db.session.execute(stmt.returning(column)).first() is not None


def _deleted(model, where) -> tuple | None:
    """Delete the row; its (flagged, bought_at-or-None) when there was one."""
    table = model.__table__
    bought = table.c.bought_at if "bought_at" in table.c else None
    cols = [table.c.flagged] + ([bought] if bought is not None else [])
    row = db.session.execute(delete(table).where(*where).returning(*cols)).first()
    if row is None:
        return None
    return (row[0], row[1] if bought is not None else None)


def _apply_one(action: dict, at: datetime) -> dict[str, int]:
    """Apply one action to its row; the rollup deltas it earns (empty when nothing changed)."""
    kind, user, note_id = action["a"], int(action["u"]), action.get("n")
    flagged = bool(action.get("f"))
    delta: dict[str, int] = {}

    def gained(counter: str, row_flagged: bool, sign: int = 1):
        delta[counter] = delta.get(counter, 0) + sign
        if row_flagged:
            delta["flagged_engagements"] = delta.get("flagged_engagements", 0) + sign

    if kind == "like":
        row = {"note_id": note_id, "user_id": user, "created_at": at, "flagged": flagged}
        if _inserted(NoteLike, row, ["note_id", "user_id"]):
            gained("likes", flagged)
    elif kind == "unlike":
        gone = _deleted(NoteLike, [NoteLike.note_id == note_id, NoteLike.user_id == user])
        if gone:
            gained("likes", gone[0], -1)
    elif kind == "save":
        board = action.get("b")
        row = {
            "note_id": note_id, "user_id": user, "board_id": board, "created_at": at,
            "flagged": flagged,
        }  # fmt: skip
        if _inserted(NoteSave, row, ["note_id", "user_id"]):
            gained("saves", flagged)
        elif "b" in action:  # saved already: a move to another board (or out of boards)
            db.session.execute(
                update(NoteSave)
                .where(NoteSave.note_id == note_id, NoteSave.user_id == user)
                .values(board_id=board)
            )
    elif kind == "unsave":
        gone = _deleted(NoteSave, [NoteSave.note_id == note_id, NoteSave.user_id == user])
        if gone:
            gained("saves", gone[0], -1)
            if gone[1] is not None:
                gained("bought", gone[0], -1)
    elif kind == "bought":
        row = db.session.execute(
            update(NoteSave)
            .where(
                NoteSave.note_id == note_id,
                NoteSave.user_id == user,
                NoteSave.bought_at.is_(None),
            )
            .values(bought_at=at, bought_source=action.get("s") or "shopper")
            .returning(NoteSave.flagged)
        ).first()
        if row is not None:
            gained("bought", row[0])
    elif kind == "follow":
        row = {
            "follower_id": user,
            "kol_id": int(action["k"]),
            "created_at": at,
            "flagged": flagged,
        }
        if _inserted(KolFollow, row, ["follower_id", "kol_id"]):
            gained("follows", flagged)
    elif kind == "unfollow":
        gone = _deleted(
            KolFollow, [KolFollow.follower_id == user, KolFollow.kol_id == int(action["k"])]
        )
        if gone:
            gained("follows", gone[0], -1)
    else:
        log.error("unknown engagement action %r dropped", kind)
    return delta


def apply_actions(actions: list[dict]) -> int:
    """Apply actions in order, each to its row, and move the hourly rollups by exactly the rows
    that changed. Flushes only (the caller commits). Returns how many actions changed a row."""
    if not actions:
        return 0
    note_ids = {int(a["n"]) for a in actions if a.get("n")}
    notes = {}
    if note_ids:
        rows = db.session.execute(
            select(Note.id, Note.contract_id, Note.campaign_id, Note.kol_id).where(
                Note.id.in_(note_ids)
            )
        )
        notes = {r.id: r for r in rows}
    sums: dict[tuple[int, datetime], dict] = {}
    changed = 0
    for action in actions:
        at = datetime.fromtimestamp(float(action["t"]), UTC)
        if action.get("n") and int(action["n"]) not in notes:
            continue  # the note is gone (deleted): nothing to attach the action to
        delta = _apply_one(action, at)
        if not delta:
            continue
        changed += 1
        note = notes.get(int(action["n"])) if action.get("n") else None
        if note is None:
            continue  # a follow from nowhere in particular: the row is the record
        key = (note.id, hour_of(at))
        acc = sums.setdefault(
            key,
            {
                "note_id": note.id, "hour": key[1], "contract_id": note.contract_id,
                "campaign_id": note.campaign_id, "kol_id": note.kol_id,
                **dict.fromkeys(ENGAGEMENT_COUNTERS, 0),
            },
        )  # fmt: skip
        for counter, value in delta.items():
            acc[counter] += value
    add_to_rollups(list(sums.values()))
    return changed


def add_to_rollups(rows: list[dict]) -> None:
    """Add engagement deltas (ENGAGEMENT_COUNTERS, net) to (note, hour) rollup rows, creating
    them as needed; each row also names its contract_id, campaign_id and kol_id."""
    rows = [{**dict.fromkeys(ENGAGEMENT_COUNTERS, 0), **r} for r in rows]
    rows = [r for r in rows if any(r[c] for c in ENGAGEMENT_COUNTERS)]
    if not rows:
        return
    stmt = _insert(HourlyRollup)
    table = HourlyRollup.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=["note_id", "hour"],
        set_={c: table.c[c] + stmt.excluded[c] for c in ENGAGEMENT_COUNTERS},
    )
    db.session.connection().execute(stmt, rows)


# --- the writer's Redis side ----------------------------------------------------------------


def drain(*, consumer: str | None = None, count: int | None = None, min_idle_ms: int = 60_000):
    """Apply up to ``count`` buffered actions; returns how many entries were handled. Commits
    before it acknowledges (see the module docstring)."""
    client = redis_client()
    if client is None:
        return 0
    consumer = consumer or consumer_name()
    count = count or current_app.config["ENGAGEMENT_DRAIN_BATCH"]
    stream, group = current_app.config["ENGAGEMENT_STREAM"], current_app.config["ENGAGEMENT_GROUP"]
    ensure_group(client, stream, group)
    entries = read_entries(client, stream, group, consumer, count, min_idle_ms)
    entries.sort(key=lambda entry: tuple(int(p) for p in entry[0].split(b"-")))  # stream order
    ids = [eid for eid, _fields in entries]
    if not ids:
        return 0
    actions = []
    for eid, fields in entries:
        try:
            actions.append(json.loads(fields[b"a"]))
        except (KeyError, ValueError, TypeError):
            log.error("unreadable engagement entry %s dropped", eid)  # (or deleted while pending)
    try:
        if _dialect() == "postgresql":  # one writer at a time keeps the stream's order
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
        apply_actions(actions)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise  # the entries stay pending and are re-read next time
    pipe = client.pipeline(transaction=False)
    acknowledge(pipe, stream, group, ids)
    pipe.execute()
    return len(ids)


def drain_all(*, consumer: str | None = None, min_idle_ms: int = 60_000) -> int:
    total = 0
    while True:
        moved = drain(consumer=consumer, min_idle_ms=min_idle_ms)
        total += moved
        if moved == 0:
            return total


def backlog() -> int:
    """Actions in the stream not yet applied, pending included."""
    return stream_backlog(current_app.config["ENGAGEMENT_STREAM"])


@in_app_context
def drain_job() -> int:
    """For the scheduler (app/cron.py): apply what is buffered now."""
    return drain_all()
