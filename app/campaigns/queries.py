"""Reading campaigns: the brand's list with counts, the KOL browse page, and "Fits you".

Every page here costs a constant number of queries whatever its size: counts come from one
grouped query per kind, targets from one IN-load, brand names from one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.sql.elements import ColumnElement

from app import search
from app.bids.models import Bid
from app.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    ContentFormat,
    Invitation,
)
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, TIER_LABELS
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.profiles.models import BrandProfile, KolProfile

SORTS = ("fits", "newest", "price", "closing")
MAX_PER_PAGE = 100


@dataclass
class BrowseFilters:
    q: str = ""
    category: str = ""
    content_format: str = ""
    region: str = ""
    currency: str = ""
    price_min: int | None = None  # minor units of ``currency``
    price_max: int | None = None
    deadline_before: datetime | None = None
    sort: str = "newest"


@dataclass
class Fit:
    """How a KOL matches a campaign: blockers (why not), matches (why yes) and a score."""

    blockers: list[str] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)
    score: int = 0

    @property
    def qualifies(self) -> bool:
        return not self.blockers


# --- the brand's own campaigns -------------------------------------------------------------


def brand_campaigns(*, brand_id: int, status: str, page: int, per_page: int = 20):
    stmt = select(Campaign).where(Campaign.brand_id == brand_id).order_by(Campaign.id.desc())
    if status in {s.value for s in CampaignStatus}:
        stmt = stmt.where(Campaign.status == CampaignStatus(status))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def status_counts(brand_id: int) -> dict[str, int]:
    stmt = (
        select(Campaign.status, func.count())
        .where(Campaign.brand_id == brand_id)
        .group_by(Campaign.status)
    )
    return {str(status): n for status, n in db.session.execute(stmt)}


def activity_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Bids, contracts and notes (beyond drafts) per campaign: one grouped query each."""
    counts = {cid: {"bids": 0, "contracts": 0, "notes": 0} for cid in campaign_ids}
    if not campaign_ids:
        return counts
    sources = {
        "bids": (Bid.campaign_id, ()),
        "contracts": (Contract.campaign_id, ()),
        "notes": (Note.campaign_id, (Note.status != NoteStatus.DRAFT,)),
    }
    for name, (column, conditions) in sources.items():
        stmt = (
            select(column, func.count())
            .where(column.in_(campaign_ids), *conditions)
            .group_by(column)
        )
        for campaign_id, n in db.session.execute(stmt):
            counts[campaign_id][name] = n
    return counts


def brand_names(brand_ids) -> dict[int, str]:
    ids = set(brand_ids)
    if not ids:
        return {}
    stmt = select(BrandProfile.user_id, BrandProfile.company_name).where(
        BrandProfile.user_id.in_(ids)
    )
    return {user_id: name for user_id, name in db.session.execute(stmt)}


def open_campaigns_of(brand_id: int) -> list[Campaign]:
    stmt = (
        select(Campaign)
        .where(Campaign.brand_id == brand_id, Campaign.status == CampaignStatus.OPEN)
        .order_by(Campaign.id.desc())
    )
    return list(db.session.scalars(stmt))


# --- browsing open campaigns --------------------------------------------------------------


def _targets(kind: str, values) -> ColumnElement[bool]:
    return exists().where(
        CampaignTarget.campaign_id == Campaign.id,
        CampaignTarget.kind == kind,
        CampaignTarget.value.in_(list(values)),
    )


def _untargeted(kind: str) -> ColumnElement[bool]:
    return ~exists().where(CampaignTarget.campaign_id == Campaign.id, CampaignTarget.kind == kind)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _filtered(filters: BrowseFilters):
    stmt = select(Campaign).where(
        Campaign.status == CampaignStatus.OPEN, Campaign.application_deadline > utcnow()
    )
    if filters.q:
        stmt = stmt.where(search.matches(Campaign, filters.q, _dialect()))
    if filters.category:
        stmt = stmt.where(Campaign.category == filters.category)
    if filters.content_format:
        stmt = stmt.where(Campaign.content_format == ContentFormat(filters.content_format))
    if filters.region:  # campaigns aimed at that region, or open to every region
        stmt = stmt.where(or_(_targets("region", [filters.region]), _untargeted("region")))
    if filters.currency and (filters.price_min is not None or filters.price_max is not None):
        stmt = stmt.where(Campaign.currency == filters.currency)
        if filters.price_min is not None:  # pays at least this much per note
            stmt = stmt.where(Campaign.price_max >= filters.price_min)
        if filters.price_max is not None:
            stmt = stmt.where(Campaign.price_min <= filters.price_max)
    if filters.deadline_before:
        stmt = stmt.where(Campaign.application_deadline <= filters.deadline_before)
    return stmt


def _kol_rate(kol: KolProfile):
    return case(
        (Campaign.content_format == ContentFormat.VIDEO, kol.rate_video), else_=kol.rate_image
    )


def qualifies_sql(kol: KolProfile) -> ColumnElement[bool]:
    """The SQL twin of ``assess(...).qualifies`` (verification aside: it is not per campaign)."""
    return and_(
        or_(_untargeted("niche"), _targets("niche", kol.niche_codes)),
        or_(_untargeted("tier"), _targets("tier", [kol.tier])),
        Campaign.min_followers <= kol.total_followers,
        or_(_untargeted("region"), _targets("region", [kol.region or ""])),
        or_(_untargeted("language"), _targets("language", kol.language_codes)),
    )


def fit_score_sql(kol: KolProfile) -> ColumnElement[int]:
    """The SQL twin of ``assess(...).score``: niche 3 (category only 2), tier and region 2
    (1 when open to all), language 1, rate card inside the price range 2."""
    rate = _kol_rate(kol)
    return (
        case(
            (_targets("niche", kol.niche_codes), 3),
            (and_(_untargeted("niche"), Campaign.category.in_(kol.niche_codes)), 2),
            else_=0,
        )
        + case((_targets("tier", [kol.tier]), 2), (_untargeted("tier"), 1), else_=0)
        + case((_targets("region", [kol.region or ""]), 2), (_untargeted("region"), 1), else_=0)
        + case((_targets("language", kol.language_codes), 1), else_=0)
        + case(
            (
                and_(
                    Campaign.currency == kol.rate_currency,
                    rate > 0,
                    Campaign.price_min <= rate,
                    Campaign.price_max >= rate,
                ),
                2,
            ),
            else_=0,
        )
    )


def kol_for_fit(user_id: int) -> KolProfile | None:
    """The KOL profile with the lists ``assess`` reads, in one query (three selectin loads
    otherwise): discovery pages and the API stay <= 10 queries."""
    return db.session.get(
        KolProfile,
        user_id,
        options=[
            joinedload(KolProfile.niches),
            joinedload(KolProfile.languages),
            joinedload(KolProfile.social_accounts),
        ],
    )


def visible_to_sql(user_id: int | None) -> ColumnElement[bool]:
    """The campaigns ``user_id`` may see in a list: every campaign that is not invite-only,
    and the invite-only ones they were invited to (or own)."""
    if user_id is None:
        return Campaign.invite_only.is_(False)
    invited = exists().where(Invitation.campaign_id == Campaign.id, Invitation.kol_id == user_id)
    return or_(Campaign.invite_only.is_(False), invited, Campaign.brand_id == user_id)


def _fits_order(kol: KolProfile, best: list) -> list:
    """Campaigns the KOL qualifies for first, then the best search matches, the best fit, the
    newest."""
    qualifies = case((qualifies_sql(kol), 1), else_=0)
    return [qualifies.desc(), *best, fit_score_sql(kol).desc(), Campaign.published_at.desc()]


def fits_for(kol: KolProfile, limit: int) -> list[Campaign]:
    """The open campaigns that fit the KOL best (the browse page's "fits" order) that the KOL
    has not bid on and holds no contract for: the workbench's "Fits you", one statement."""
    engaged = or_(
        exists().where(Bid.campaign_id == Campaign.id, Bid.kol_id == kol.user_id),
        exists().where(Contract.campaign_id == Campaign.id, Contract.kol_id == kol.user_id),
    )
    stmt = (
        _filtered(BrowseFilters())
        .where(visible_to_sql(kol.user_id), ~engaged)
        .order_by(*_fits_order(kol, []), Campaign.id.desc())
        .options(lazyload(Campaign.targets))
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def browse_campaigns(
    *,
    filters: BrowseFilters,
    kol: KolProfile | None,
    page: int,
    per_page: int,
    viewer_id: int | None = None,
):
    """Open campaigns for the browse page and the API, filtered, sorted and paginated;
    invite-only ones only for the KOLs invited (``viewer_id``, or the KOL's own id)."""
    stmt = _filtered(filters).where(visible_to_sql(kol.user_id if kol else viewer_id))
    sort = filters.sort if filters.sort != "fits" or kol is not None else "newest"
    # A search puts the best matches first in the default orders (fits, newest).
    best = [search.rank(Campaign, filters.q, _dialect()).desc()] if filters.q else []
    if sort == "fits":
        stmt = stmt.order_by(*_fits_order(kol, best))
    elif sort == "price":
        stmt = stmt.order_by(Campaign.price_max.desc(), Campaign.id.desc())
    elif sort == "closing":
        stmt = stmt.order_by(Campaign.application_deadline.asc(), Campaign.id)
    else:
        stmt = stmt.order_by(*best, Campaign.published_at.desc(), Campaign.id.desc())
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, max_per_page=100)


# --- how a KOL fits a campaign -------------------------------------------------------------


def _labels(codes, names) -> str:
    return ", ".join(str(names.get(code, code)) for code in codes)


def assess(campaign: Campaign, kol: KolProfile | None) -> Fit:
    """Why the KOL may or may not bid, and what matches (shown as "Fits you" reasons)."""
    fit = Fit()
    if kol is None:
        return fit
    if not kol.is_verified:
        fit.blockers.append(_("Only verified KOLs can bid. Get verified first."))
    _assess_niche(campaign, kol, fit)
    _assess_choice(campaign, fit, "tier", [kol.tier], TIER_LABELS)
    _assess_choice(campaign, fit, "region", [kol.region] if kol.region else [], COUNTRIES)
    _assess_choice(campaign, fit, "language", kol.language_codes, LANGUAGES)
    if kol.total_followers < campaign.min_followers:
        fit.blockers.append(
            _(
                "Needs at least %(need)s followers; you have %(have)s.",
                need=f"{campaign.min_followers:,}",
                have=f"{kol.total_followers:,}",
            )
        )
    rate = kol.rate_video if campaign.content_format == ContentFormat.VIDEO else kol.rate_image
    if (
        kol.rate_currency == campaign.currency
        and rate > 0
        and campaign.price_min <= rate <= campaign.price_max
    ):
        fit.score += 2
        fit.matches.append(_("your rate fits the price range"))
    return fit


def _assess_niche(campaign: Campaign, kol: KolProfile, fit: Fit) -> None:
    wanted, mine = campaign.targets_of("niche"), set(kol.niche_codes)
    if wanted and mine & set(wanted):
        fit.score += 3
        fit.matches.append(
            _("matches your niche: %(n)s", n=_labels(sorted(mine & set(wanted)), CATEGORIES))
        )
    elif wanted:
        fit.blockers.append(
            _("Looks for %(n)s creators; your niches differ.", n=_labels(wanted, CATEGORIES))
        )
    elif campaign.category in mine:
        fit.score += 2
        fit.matches.append(_("in your niche: %(n)s", n=_labels([campaign.category], CATEGORIES)))


def _assess_choice(campaign: Campaign, fit: Fit, kind: str, mine: list[str], names) -> None:
    wanted = campaign.targets_of(kind)
    points = {"tier": 2, "region": 2, "language": 1}[kind]
    common = [code for code in wanted if code in mine]
    if not wanted:
        fit.score += 0 if kind == "language" else 1
    elif common:
        fit.score += points
        messages = {
            "tier": _("matches your tier: %(v)s", v=_labels(common, names)),
            "region": _("matches your region: %(v)s", v=_labels(common, names)),
            "language": _("matches your language: %(v)s", v=_labels(common, names)),
        }
        fit.matches.append(messages[kind])
    else:
        messages = {
            "tier": _("Open to %(v)s KOLs only.", v=_labels(wanted, names)),
            "region": _("Open to KOLs in %(v)s only.", v=_labels(wanted, names)),
            "language": _("Needs a KOL who writes in %(v)s.", v=_labels(wanted, names)),
        }
        fit.blockers.append(messages[kind])
