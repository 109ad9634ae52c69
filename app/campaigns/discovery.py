"""Brands search verified KOLs: filters, sorts, one page of rows in a constant number of queries.

Each row carries the KOL's profile, average rating, number of ratings and completed contracts,
aggregated by two grouped subqueries joined to the page (indexed on ratee and kol/status), and
the reliability score. That score (app/contracts/reliability.py) is computed from a KOL's whole
history in Python, so SQL cannot sort by it; it is stored per KOL in ``kol_reliability`` by
the scheduler (app/shortlists/reliability.py) and "reliability" sorts by the stored score,
KOLs with no history yet last.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, func, or_, select
from sqlalchemy.orm import selectinload

from app import search
from app.contracts.models import Contract, ContractStatus, Rating
from app.extensions import db
from app.pagination import KeysetPage, Page, keyset_page
from app.profiles.models import KolLanguage, KolNiche, KolProfile, Verification
from app.shortlists.models import KolReliability

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
    reliability: int | None = None


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


def _rows_stmt():
    """Profiles with their rating, number of ratings, completed deals and stored score."""
    ratings, completed = _aggregates()
    done = func.coalesce(completed.c.n, 0)
    stmt = (
        select(
            KolProfile, ratings.c.average, func.coalesce(ratings.c.n, 0), done,
            KolReliability.score,
        )
        .outerjoin(ratings, ratings.c.user_id == KolProfile.user_id)
        .outerjoin(completed, completed.c.user_id == KolProfile.user_id)
        .outerjoin(KolReliability, KolReliability.kol_id == KolProfile.user_id)
    )  # fmt: skip
    return stmt, ratings, done


def _row(profile, avg, n, done_n, score) -> KolRow:
    return KolRow(profile, float(avg) if avg is not None else None, n, done_n, score)


def kol_rows(kol_ids: list[int]) -> list[KolRow]:
    """The rows of these KOLs (verified or not), in the order given: a shortlist's table."""
    if not kol_ids:
        return []
    stmt, _ratings, _done = _rows_stmt()
    rows = db.session.execute(
        stmt.where(KolProfile.user_id.in_(kol_ids)).options(
            selectinload(KolProfile.social_accounts)
        )
    ).all()
    by_id = {row[0].user_id: _row(*row) for row in rows}
    return [by_id[k] for k in kol_ids if k in by_id]


def search_kols(*, filters: KolFilters, page: int, per_page: int) -> Page:
    """One page of verified KOLs with their rating, track record and reliability."""
    base, ratings, done = _rows_stmt()
    average = func.coalesce(ratings.c.average, 0)
    stmt = _filter(base, filters, ratings)
    unscored = case((KolReliability.score.is_(None), 1), else_=0)
    order = {
        "followers": (KolProfile.total_followers.desc(),),
        "rating": (average.desc(), func.coalesce(ratings.c.n, 0).desc()),
        "reliability": (
            unscored,
            KolReliability.score.desc(),
            average.desc(),
            KolProfile.total_followers.desc(),
        ),
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
    items = [_row(*row) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def _sort_keys(filters: KolFilters, ratings, done) -> list:
    """The order of ``search_kols`` as whole numbers, all descending, the KOL's id last: the
    key a cursor carries (an average rating counts in thousandths, a text rank in millionths)."""
    average = cast(func.coalesce(ratings.c.average, 0) * 1000, BigInteger)
    followers = KolProfile.total_followers
    keys = {
        "followers": [followers],
        "rating": [average, func.coalesce(ratings.c.n, 0)],
        "reliability": [
            case((KolReliability.score.is_(None), 0), else_=1),
            func.coalesce(KolReliability.score, -1),
            average,
            followers,
        ],
    }.get(filters.sort, [done, average, followers])
    if filters.q and filters.sort == "relevance":
        keys = [cast(search.rank(KolProfile, filters.q, _dialect()) * 1_000_000, BigInteger), *keys]
    return [key.label(f"sort_{i}") for i, key in enumerate(keys)] + [KolProfile.user_id]


def search_kols_after(*, filters: KolFilters, cursor: str | None, per_page: int) -> KeysetPage:
    """``search_kols`` for the API: the rows after ``cursor`` (the sort key of the last row
    shown), read without OFFSET or COUNT; BadCursor for a cursor this search did not hand out."""
    base, ratings, done = _rows_stmt()
    keys = _sort_keys(filters, ratings, done)
    stmt = _filter(base, filters, ratings).add_columns(*keys[:-1])
    page = keyset_page(
        stmt.options(selectinload(KolProfile.social_accounts)),
        [k.element if hasattr(k, "element") else k for k in keys],
        cursor=cursor,
        per_page=per_page,
        key_of=lambda row: (*row[5:], row[0].user_id),
        scalars=False,
    )
    page.items = [_row(*row[:5]) for row in page.items]
    return page
