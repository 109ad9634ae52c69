"""The personal feed: published notes by the KOLs one follows and in one's interests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import false, or_, select

from app.db_types import utcnow
from app.engagement.models import KolFollow
from app.engagement.shoppers import interests_of
from app.extensions import db
from app.notes import queries, trending
from app.notes.models import Note, NoteStatus
from app.pagination import keyset_page
from app.profiles.models import KolProfile, Verification
from app.recommend.queries import for_you_page

TABS = ("newest", "trending", "foryou")
PER_PAGE = 24
SUGGESTED_KOLS = 6


def feed_page(
    *, user_id: int, tab: str = "newest", page: int = 1, per_page: int = PER_PAGE,
    cursor: str | None = None,
):  # fmt: skip
    """A page of the feed, Newest or Trending (the ordering of /explore's Trending tab).
    A constant number of queries whatever the page size: the interests, the count, the page,
    its images. For you: the precomputed recommendations (app/recommend)."""
    if tab == "foryou":
        return for_you_page(user_id=user_id, page=page, per_page=per_page)
    followed = select(KolFollow.kol_id).where(KolFollow.follower_id == user_id)
    interests = interests_of(user_id)
    mine = or_(Note.kol_id.in_(followed), Note.category.in_(interests) if interests else false())
    stmt = select(Note).where(Note.status == NoteStatus.PUBLISHED, mine)
    if tab == "trending":
        now = utcnow()
        stmt = stmt.where(Note.published_at >= now - timedelta(days=trending.TRENDING_WINDOW_DAYS))
        stmt = stmt.order_by(*trending.trending_order(now))
    elif cursor or page == 1:  # Newest grows without bound: by cursor (no OFFSET, no COUNT)
        return keyset_page(stmt, queries.NEWEST, cursor=cursor, per_page=per_page)
    else:
        stmt = stmt.order_by(Note.published_at.desc(), Note.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def follows_anyone(user_id: int) -> bool:
    return (
        db.session.scalar(select(KolFollow.kol_id).where(KolFollow.follower_id == user_id).limit(1))
        is not None
    )


def suggested_kols(user_id: int, limit: int = SUGGESTED_KOLS) -> list[KolProfile]:
    """Verified KOLs the user does not follow yet, biggest audience first (for empty feeds)."""
    followed = select(KolFollow.kol_id).where(KolFollow.follower_id == user_id)
    stmt = (
        select(KolProfile)
        .where(
            KolProfile.verification == Verification.VERIFIED,
            KolProfile.user_id != user_id,
            KolProfile.user_id.not_in(followed),
        )
        .order_by(KolProfile.total_followers.desc(), KolProfile.user_id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
