"""Reading the precomputed recommendations: a constant number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from app.analytics.models import VisitorDay
from app.analytics.store import current_store
from app.catalog import CATEGORIES
from app.db_types import utcnow
from app.engagement.shoppers import interests_of
from app.extensions import db
from app.money import format_money
from app.notes import queries as note_queries
from app.notes import trending
from app.notes.models import Note, NoteStatus
from app.profiles.models import KolProfile, Verification
from app.recommend import engine
from app.recommend.models import KolRecommendation, NoteRecommendation, RelatedNote


def for_you_page(*, user_id: int, page: int, per_page: int):
    """The person's precomputed notes, best first; with none yet (no history, or the job has
    not run since), notes trending in their interests (everything trending without any)."""
    stmt = (
        select(Note)
        .join(NoteRecommendation, NoteRecommendation.note_id == Note.id)
        .where(NoteRecommendation.user_id == user_id, Note.status == NoteStatus.PUBLISHED)
        .order_by(NoteRecommendation.rank)
    )
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if result.total:
        return result
    now = utcnow()
    stmt = select(Note).where(
        Note.status == NoteStatus.PUBLISHED,
        Note.published_at >= now - timedelta(days=trending.TRENDING_WINDOW_DAYS),
    )
    interests = interests_of(user_id)
    if interests:
        stmt = stmt.where(Note.category.in_(interests))
    stmt = stmt.order_by(*trending.trending_order(now))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


# A signed-out visitor's For you (/explore?tab=foryou): what they read recently, by their
# first-party visitor cookie, is looked up in the visitor-days the tracking writes (human,
# counted views only: bots never); the job's related rows of those notes are the candidates.
VISITOR_HISTORY_DAYS = 30  # the views read back (the visitor-days are kept as long as events)
VISITOR_HISTORY = 50  # most recent notes read, at most
VISITOR_CANDIDATES = 100  # related notes blended, at most (best co-engagement first)
W_TRENDING = engine.W_POPULAR  # the blend: co-engagement, freshness and trending


@dataclass
class VisitorFeed:
    """One page of a visitor's For you (``pages`` for the pagination macro: a single page).
    ``history``: the visitor has read notes here; the first ``related`` items come from what
    they read, the rest is trending."""

    items: list[Note]
    history: bool
    related: int
    page: int = 1
    pages: int = 1

    @property
    def personal(self) -> bool:
        return self.related > 0


def visitor_history(visitor: str | None) -> list[tuple[int, str, int]]:
    """(note id, category, days ago) of the notes the visitor read in the last
    VISITOR_HISTORY_DAYS, most recent first (one query: the visitor-day key starts with the
    day, so each day is one index probe)."""
    if not visitor:
        return []
    today = utcnow().date()
    store = current_store()
    if store.name != "sql":  # the visitor-days are the analytics store's (ClickHouse: marks)
        read = store.visitor_notes(
            visitor, today - timedelta(days=VISITOR_HISTORY_DAYS), VISITOR_HISTORY
        )
        category = dict(
            db.session.execute(
                select(Note.id, Note.category).where(Note.id.in_([n for n, _d in read]))
            ).all()
        )
        return [(n, category[n], (today - day).days) for n, day in read if n in category]
    days = [today - timedelta(days=n) for n in range(VISITOR_HISTORY_DAYS + 1)]
    last = func.max(VisitorDay.day)
    rows = db.session.execute(
        select(VisitorDay.note_id, Note.category, last)
        .join(Note, Note.id == VisitorDay.note_id)
        .where(VisitorDay.day.in_(days), VisitorDay.visitor == visitor)
        .group_by(VisitorDay.note_id, Note.category)
        .order_by(last.desc(), VisitorDay.note_id.desc())
        .limit(VISITOR_HISTORY)
    ).all()
    return [(note, category, (today - _as_date(day)).days) for note, category, day in rows]


def _as_date(day):
    return day if not isinstance(day, str) else datetime.fromisoformat(day).date()


def for_visitor(visitor: str | None, *, limit: int) -> VisitorFeed:
    """The visitor's notes, best first: the related rows of what they read (weighted by how
    recently), minus what they read, blended with freshness and trending; the page filled up
    with notes trending in the categories they read (everything trending for a new visitor:
    the cold start). At most three queries."""
    history = visitor_history(visitor)
    seen = [note for note, _c, _d in history]
    now = utcnow()
    picked: list[Note] = []
    if history:
        strength = {
            note: _halved(days, engine.HISTORY_HALF_LIFE_DAYS) for note, _c, days in history
        }
        weight = case(strength, value=RelatedNote.note_id, else_=0.0)
        co = (
            select(RelatedNote.related_id, func.sum(RelatedNote.score * weight).label("cf"))
            .where(RelatedNote.note_id.in_(seen), RelatedNote.related_id.not_in(seen))
            .group_by(RelatedNote.related_id)
            .subquery("co")
        )
        trend = trending.trending_score(now)
        rows = db.session.execute(
            select(Note, co.c.cf, trend)
            .join(co, co.c.related_id == Note.id)
            .where(Note.status == NoteStatus.PUBLISHED)
            .order_by(co.c.cf.desc(), Note.id.desc())
            .limit(VISITOR_CANDIDATES)
        ).all()
        best_cf = max((float(cf) for _n, cf, _t in rows), default=0.0) or 1.0
        best_trend = max((float(t) for _n, _cf, t in rows), default=0.0) or 1.0

        def blended(row) -> float:
            note, cf, trending = row
            age = (now - _aware(note.published_at or now)).total_seconds() / 86400
            return (
                engine.W_CF * float(cf) / best_cf
                + engine.W_FRESH * _halved(age, engine.FRESH_HALF_LIFE_DAYS)
                + W_TRENDING * float(trending) / best_trend
            )

        ranked = sorted(rows, key=lambda row: (-blended(row), -row[0].id))
        picked = [note for note, _cf, _t in ranked[:limit]]
    related = len(picked)
    if len(picked) < limit:  # filled with what trends, in the visitor's categories first
        tastes = {category for _n, category, _d in history}
        stmt = select(Note).where(
            Note.status == NoteStatus.PUBLISHED,
            Note.published_at >= now - timedelta(days=trending.TRENDING_WINDOW_DAYS),
            Note.id.not_in([*seen, *(n.id for n in picked)] or [0]),
        )
        order = [Note.category.in_(tastes).desc()] if tastes else []
        stmt = stmt.order_by(*order, *trending.trending_order(now))
        picked += db.session.scalars(stmt.limit(limit - len(picked))).all()
    return VisitorFeed(items=picked, history=bool(history), related=related)


def _halved(age_days: float, half_life: float) -> float:
    return 0.5 ** (max(age_days, 0.0) / half_life)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def related_notes(note: Note, limit: int = note_queries.RELATED_LIMIT) -> list[Note]:
    """Notes engaged with by the same people (the job's rows), then the same category or a
    shared hashtag, newest first (one query)."""
    co = RelatedNote.__table__.alias("co")
    stmt = (
        select(Note)
        .outerjoin(co, (co.c.note_id == note.id) & (co.c.related_id == Note.id))
        .where(
            Note.status == NoteStatus.PUBLISHED,
            Note.id != note.id,
            or_(co.c.rank.is_not(None), note_queries.same_topic(note)),
        )
        .order_by(co.c.rank.is_(None), co.c.rank, Note.published_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


REASONS = {
    "audience": _l("%(count)d people engage with both of them"),
    "niche": _l("Same niche: %(niches)s"),
    "price": _l("A similar rate: %(rate)s a note"),
}


@dataclass(frozen=True)
class KolSuggestion:
    kol_id: int
    name: str
    avatar: str | None
    tier: str
    like_name: str
    orders: int
    reason: str

    @property
    def summary(self) -> str:
        return _(
            "Like %(name)s, whose notes brought you %(orders)d orders",
            name=self.like_name,
            orders=self.orders,
        )


def reason_text(code: str, params: dict) -> str:
    """A stored reason in the reader's language."""
    if code == "audience":
        return REASONS[code] % {"count": int(params.get("shared", 0))}
    if code == "niche":
        names = ", ".join(str(CATEGORIES.get(c, c)) for c in params.get("niches", []))
        return REASONS[code] % {"niches": names}
    if code == "price":
        return REASONS[code] % {"rate": format_money(params["rate"], params["currency"])}
    return ""


def kols_for_brand(brand_id: int, limit: int = 6) -> list[KolSuggestion]:
    """The brand's recommended KOLs still verified, with why (one query)."""
    like = aliased(KolProfile)
    rows = db.session.execute(
        select(
            KolProfile.user_id,
            KolProfile.display_name,
            KolProfile.avatar,
            KolProfile.tier,
            like.display_name,
            KolRecommendation.reason,
            KolRecommendation.params,
        )
        .join(KolRecommendation, KolRecommendation.kol_id == KolProfile.user_id)
        .join(like, like.user_id == KolRecommendation.like_kol_id)
        .where(
            KolRecommendation.brand_id == brand_id,
            KolProfile.verification == Verification.VERIFIED,
        )
        .order_by(KolRecommendation.rank)
        .limit(limit)
    ).all()
    return [
        KolSuggestion(
            kol,
            name,
            avatar,
            tier,
            like_name,
            int(params.get("orders", 0)),
            reason_text(reason, params),
        )
        for kol, name, avatar, tier, like_name, reason, params in rows
    ]
