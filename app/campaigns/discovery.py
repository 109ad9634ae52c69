"""Brands search verified KOLs: filters, sorts, one page of rows in a constant number of queries.

Each row carries the KOL's profile, average rating, number of ratings and completed contracts,
aggregated by two grouped subqueries joined to the page (indexed on ratee and kol/status).
There is no reliability score in the data yet: "reliability" sorts by rating, then followers,
and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import search
from app.contracts.models import Contract, ContractStatus, Rating
from app.extensions import db
from app.pagination import Page
from app.profiles.models import KolLanguage, KolNiche, KolProfile, Verification

KOL_SORTS = ("relevance", "followers", "rating", "reliability")


@dataclass
class KolFilters:
    q: str = ""
    niche: str = ""
    tier: str = ""
    region: str = ""
    language: str = ""
    followers_min: int | None = None
    followers_max: int | None = None
    currency: str = ""
    price_max: int | None = None  # minor units: the rate card for the chosen format fits under it
    content_format: str = "image"
    rating_min: int | None = None
    sort: str = "relevance"


@dataclass
class KolRow:
    profile: KolProfile
    rating: float | None
    ratings: int
    completed: int


def _aggregates():
    ratings = (
        select(
            Rating.ratee_id.label("user_id"),
            func.avg(Rating.stars).label("average"),
            func.count().label("n"),
        )
        .group_by(Rating.ratee_id)
        .subquery()
    )
    completed = (
        select(Contract.kol_id.label("user_id"), func.count().label("n"))
        .where(Contract.status == ContractStatus.COMPLETED)
        .group_by(Contract.kol_id)
        .subquery()
    )
    return ratings, completed


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _filter(stmt, filters: KolFilters, ratings):
    stmt = stmt.where(KolProfile.verification == Verification.VERIFIED)
    if filters.q:  # words of the name or bio (Chinese too), or a part of the name as typed
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(
                search.matches(KolProfile, filters.q, _dialect(), prefix=True),
                KolProfile.display_name.ilike(f"%{escaped}%", escape="\\"),
            )
        )
    if filters.niche:
        stmt = stmt.where(
            select(KolNiche.kol_id)
            .where(KolNiche.kol_id == KolProfile.user_id, KolNiche.niche == filters.niche)
            .exists()
        )
    if filters.language:
        stmt = stmt.where(
            select(KolLanguage.kol_id)
            .where(
                KolLanguage.kol_id == KolProfile.user_id,
                KolLanguage.language == filters.language,
            )
            .exists()
        )
    if filters.tier:
        stmt = stmt.where(KolProfile.tier == filters.tier)
    if filters.region:
        stmt = stmt.where(KolProfile.region == filters.region)
    if filters.followers_min is not None:
        stmt = stmt.where(KolProfile.total_followers >= filters.followers_min)
    if filters.followers_max is not None:
        stmt = stmt.where(KolProfile.total_followers <= filters.followers_max)
    if filters.price_max is not None and filters.currency:
        rate = KolProfile.rate_video if filters.content_format == "video" else KolProfile.rate_image
        stmt = stmt.where(
            KolProfile.rate_currency == filters.currency, rate > 0, rate <= filters.price_max
        )
    if filters.rating_min:
        stmt = stmt.where(ratings.c.average >= filters.rating_min)
    return stmt


def search_kols(*, filters: KolFilters, page: int, per_page: int) -> Page:
    """One page of verified KOLs with their rating and track record."""
    ratings, completed = _aggregates()
    average = func.coalesce(ratings.c.average, 0)
    done = func.coalesce(completed.c.n, 0)
    base = (
        select(KolProfile, ratings.c.average, func.coalesce(ratings.c.n, 0), done)
        .outerjoin(ratings, ratings.c.user_id == KolProfile.user_id)
        .outerjoin(completed, completed.c.user_id == KolProfile.user_id)
    )
    stmt = _filter(base, filters, ratings)
    order = {
        "followers": (KolProfile.total_followers.desc(),),
        "rating": (average.desc(), func.coalesce(ratings.c.n, 0).desc()),
        "reliability": (average.desc(), KolProfile.total_followers.desc()),
    }.get(filters.sort, (done.desc(), average.desc(), KolProfile.total_followers.desc()))
    if filters.q and filters.sort == "relevance":  # best match first
        order = (search.rank(KolProfile, filters.q, _dialect()).desc(), *order)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        # The accounts no admin has checked are marked on the page: loaded in one query.
        stmt.options(selectinload(KolProfile.social_accounts))
        .order_by(*order, KolProfile.user_id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        KolRow(profile, float(avg) if avg is not None else None, n, done_n)
        for profile, avg, n, done_n in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)
