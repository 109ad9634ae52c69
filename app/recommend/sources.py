"""What the recommender learns from: the platform's own engagement, flagged engagement left out.

Per person and published note, one row whose weight adds up what they did: a view 1 (a
counted view of a signed-in person, bots never), a like 3, a save 4, a purchase ("bought it",
or an order a brand confirmed through their click) 4 more. Left out: likes and saves flagged
as a new account's, views made while the account was younger than ENGAGEMENT_TRUST_DAYS,
disabled accounts. Each person's most recent MAX_PER_USER notes only (bounded work per
person)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import CTE, Float, false, func, literal, select, union_all

from app.analytics.models import TrackingEvent
from app.auth.models import User
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


def interactions() -> CTE:
    """(user_id, note_id, weight, at) of every trusted person's recent engagement."""
    trust_days = current_app.config["ENGAGEMENT_TRUST_DAYS"]
    E, L, S = TrackingEvent, NoteLike, NoteSave  # noqa: N806  (the tables, short)
    active = select(User.id).where(User.is_disabled == false())
    views = (
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
