"""Reading the precomputed recommendations: a constant number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from app.catalog import CATEGORIES
from app.db_types import utcnow
from app.engagement.shoppers import interests_of
from app.extensions import db
from app.money import format_money
from app.notes import queries as note_queries
from app.notes.models import Note, NoteStatus
from app.profiles.models import KolProfile, Verification
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
        Note.published_at >= now - timedelta(days=note_queries.TRENDING_WINDOW_DAYS),
    )
    interests = interests_of(user_id)
    if interests:
        stmt = stmt.where(Note.category.in_(interests))
    stmt = stmt.order_by(*note_queries.trending_order(now))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


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
