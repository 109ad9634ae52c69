"""What the recommender learns from: the platform's own engagement, flagged engagement left out.

Per person and published note, one row whose weight adds up what they did: a view 1 (a
counted view of a signed-in person, bots never), a like 3, a save 4, a purchase ("bought it",
or an order a brand confirmed through their click) 4 more. Left out: likes and saves flagged
as a new account's, views made while the account was younger than ENGAGEMENT_TRUST_DAYS,
disabled accounts. Each person's most recent MAX_PER_USER notes only (bounded work per
person).

The views are the analytics store's: with the SQL store the raw events in this database, read
inside the statement; with another store (ClickHouse) its ``signed_in_views`` copied into a
temporary table of this session (``store_views``), so the co-engagement statement still runs
on one table here, the likes, saves and purchases beside them, joined by person and note."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import (
    CTE,
    BigInteger,
    Column,
    Float,
    MetaData,
    Table,
    delete,
    false,
    func,
    insert,
    literal,
    select,
    union_all,
)  # fmt: skip

from app.analytics.models import TrackingEvent
from app.analytics.store import current_store
from app.auth.models import User
from app.db_types import TZDateTime
from app.engagement.models import KolFollow, NoteLike, NoteSave, ShopperProfile
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.recommend.engine import Behaviour, NoteMeta

MAX_PER_USER = 200
WEIGHTS = {"view": 1.0, "like": 3.0, "save": 4.0, "bought": 4.0}


def _days_between(later, earlier):
    if db.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _w(kind: str):
    return literal(WEIGHTS[kind], Float).label("weight")


STORE_VIEWS = Table(
    "recommend_store_views",
    MetaData(),
    Column("user_id", BigInteger),
    Column("note_id", BigInteger),
    Column("at", TZDateTime()),
    prefixes=["TEMPORARY"],
)
STORE_VIEWS_CHUNK = 5000


def _views(trust_days: int):
    """(user_id, note_id, weight, at) of trusted people's counted views: the last view a
    person made of a note once their account was ENGAGEMENT_TRUST_DAYS old."""
    store = current_store()
    if store.name != "sql":
        return _store_views(store, trust_days)
    E = TrackingEvent  # noqa: N806
    return (
        select(E.user_id, E.note_id, _w("view"), func.max(E.occurred_at).label("at"))
        .join(User, User.id == E.user_id)
        .where(
            E.kind == "view",
            E.user_id.is_not(None),
            E.is_bot == false(),
            E.counted,
            User.is_disabled == false(),
            _days_between(E.occurred_at, User.created_at) >= trust_days,
        )
        .group_by(E.user_id, E.note_id)
    )


def _store_views(store, trust_days: int):
    """The store's last counted view per person and note, in this session's temporary table.
    A person's last view is trusted when it was made once the account was old enough (an
    earlier trusted view would imply this one is too): the same rows as the SQL branch."""
    conn = db.session.connection()
    STORE_VIEWS.create(conn, checkfirst=True)
    conn.execute(delete(STORE_VIEWS))
    rows = [{"user_id": u, "note_id": n, "at": at} for u, n, at in store.signed_in_views()]
    for start in range(0, len(rows), STORE_VIEWS_CHUNK):
        conn.execute(insert(STORE_VIEWS), rows[start : start + STORE_VIEWS_CHUNK])
    V = STORE_VIEWS.c  # noqa: N806
    return (
        select(V.user_id, V.note_id, _w("view"), V.at.label("at"))
        .join(User, User.id == V.user_id)
        .where(
            User.is_disabled == false(),
            _days_between(V.at, User.created_at) >= trust_days,
        )
    )


def interactions() -> CTE:
    """(user_id, note_id, weight, at) of every trusted person's recent engagement."""
    trust_days = current_app.config["ENGAGEMENT_TRUST_DAYS"]
    L, S = NoteLike, NoteSave  # noqa: N806  (the tables, short)
    active = select(User.id).where(User.is_disabled == false())
    views = _views(trust_days)
    likes = select(L.user_id, L.note_id, _w("like"), L.created_at).where(L.flagged == false())
    saves = select(S.user_id, S.note_id, _w("save"), S.created_at).where(S.flagged == false())
    bought = select(S.user_id, S.note_id, _w("bought"), S.bought_at).where(
        S.flagged == false(), S.bought_at.is_not(None)
    )
    rows = union_all(views, likes, saves, bought).subquery("rows")
    summed = (
        select(
            rows.c.user_id,
            rows.c.note_id,
            func.sum(rows.c.weight).label("weight"),
            func.max(rows.c.at).label("at"),
        )
        .join(Note, Note.id == rows.c.note_id)
        .where(Note.status == NoteStatus.PUBLISHED, rows.c.user_id.in_(active))
        .group_by(rows.c.user_id, rows.c.note_id)
        .subquery("summed")
    )
    recent = func.row_number().over(
        partition_by=summed.c.user_id, order_by=(summed.c.at.desc(), summed.c.note_id.desc())
    )
    ranked = select(summed, recent.label("recent")).subquery("ranked")
    return (
        select(ranked.c.user_id, ranked.c.note_id, ranked.c.weight, ranked.c.at)
        .where(ranked.c.recent <= MAX_PER_USER)
        .cte("interactions")
    )


def load_behaviour(ix: CTE) -> Behaviour:
    """The interactions of ``ix``, the published notes, interests and trusted follows."""
    rows = db.session.execute(select(ix.c.user_id, ix.c.note_id, ix.c.weight, ix.c.at)).all()
    notes = {
        n: NoteMeta(category, kol, at)
        for n, category, kol, at in db.session.execute(
            select(Note.id, Note.category, Note.kol_id, Note.published_at).where(
                Note.status == NoteStatus.PUBLISHED, Note.published_at.is_not(None)
            )
        )
    }
    interests = {
        user: set(codes or [])
        for user, codes in db.session.execute(
            select(ShopperProfile.user_id, ShopperProfile.interests)
        )
    }
    follows: dict[int, set[int]] = defaultdict(set)
    for follower, kol in db.session.execute(
        select(KolFollow.follower_id, KolFollow.kol_id).where(KolFollow.flagged == false())
    ):
        follows[follower].add(kol)
    return Behaviour(
        interactions=[(u, n, float(w), _aware(at)) for u, n, w, at in rows],
        notes=notes,
        interests=interests,
        follows=dict(follows),
    )


def _aware(at) -> datetime:
    """A timestamp read through a union (SQLite gives the stored text back)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
