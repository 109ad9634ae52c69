"""Reading bids: who may see a bid and which side they are on, and the lists of bids a brand
compares and each side follows."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Role, User
from app.bids.models import ACTIVE_BID_STATUSES, BRAND, KOL, Bid, BidStatus
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import owned_campaign
from app.contracts.models import Contract
from app.errors import NotFound
from app.extensions import db
from app.pagination import list_page
from app.profiles.models import KolProfile


def campaign_for_bidding(campaign_id: int, kol_id: int) -> Campaign:
    """An open campaign a KOL may look at to bid (an invite-only one only when invited);
    anything else is 404."""
    from app.campaigns.services import may_see

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        raise NotFound(_("No such campaign."))
    if not may_see(campaign, kol_id):
        raise NotFound(_("No such campaign."))
    return campaign


def side_of(bid: Bid, campaign: Campaign, user: User) -> str | None:
    """``brand`` or ``kol`` for the two parties of a bid; None for everyone else."""
    if user.id == bid.kol_id:
        return KOL
    if user.id == campaign.brand_id:
        return BRAND
    return None


def visible_bid(*, bid_id: int, user_id: int) -> tuple[Bid, Campaign]:
    """A bid and its campaign, for the bid's KOL and the campaign's brand only (else 404)."""
    bid = db.session.get(Bid, bid_id)
    campaign = db.session.get(Campaign, bid.campaign_id) if bid else None
    if bid is None or campaign is None or user_id not in (bid.kol_id, campaign.brand_id):
        raise NotFound(_("No such bid."))
    return bid, campaign


def active_bid_of(*, campaign_id: int, kol_id: int) -> Bid | None:
    """The KOL's active (pending or countered) bid on a campaign, if any."""
    return db.session.scalar(
        select(Bid).where(
            Bid.campaign_id == campaign_id,
            Bid.kol_id == kol_id,
            Bid.status.in_(ACTIVE_BID_STATUSES),
        )
    )


def role_side(user: User) -> str | None:
    return {Role.BRAND: BRAND, Role.KOL: KOL}.get(user.role)


# ---- lists ---------------------------------------------------------------------------------


@dataclass
class BidRow:
    """A bid with what a brand compares: the KOL's profile, rating and reliability."""

    bid: Bid
    profile: KolProfile | None
    rating: tuple[float, int] | None
    reliability: object | None


def campaign_bid_rows(*, campaign_id: int, brand_id: int, sort: str, show: str) -> list[BidRow]:
    """The campaign's bids for its brand, with profiles, ratings and reliability (constant
    number of queries)."""
    from app.contracts.reliability import reliability_for
    from app.contracts.services import rating_summary

    owned_campaign(brand_id=brand_id, campaign_id=campaign_id)
    stmt = (
        select(Bid, KolProfile)
        .outerjoin(KolProfile, KolProfile.user_id == Bid.kol_id)
        .where(Bid.campaign_id == campaign_id)
    )
    if show != "all":
        stmt = stmt.where(Bid.status.in_(ACTIVE_BID_STATUSES))
    rows = db.session.execute(stmt.order_by(Bid.id)).all()
    kol_ids = [bid.kol_id for bid, _profile in rows]
    ratings = rating_summary(kol_ids)
    reliability = reliability_for(kol_ids)
    result = [
        BidRow(bid, profile, ratings.get(bid.kol_id), reliability.get(bid.kol_id))
        for bid, profile in rows
    ]
    return sorted(result, key=_SORT_KEYS.get(sort, _SORT_KEYS["price"]))


_SORT_KEYS = {
    "price": lambda r: (r.bid.price, r.bid.id),
    "-price": lambda r: (-r.bid.price, r.bid.id),
    "followers": lambda r: (-(r.profile.total_followers if r.profile else 0), r.bid.id),
    "rating": lambda r: (-(r.rating[0] if r.rating else 0), r.bid.id),
    "reliability": lambda r: (
        -(r.reliability.score if r.reliability and r.reliability.score is not None else -1),
        r.bid.id,
    ),
    "newest": lambda r: -r.bid.id,
}


def bids_page(
    *, user: User, status: str | None, page: int, per_page: int = 20,
    cursor: str | None = None, numbered_first: bool = False,
):  # fmt: skip
    """A KOL's own bids, or the bids on a brand's campaigns; ``waiting`` = your turn. Most
    recently moved first, by cursor (app/pagination.py list_page): a bid that moves while
    someone pages jumps to the top they have already read."""
    stmt = select(Bid)
    if user.role == Role.KOL:
        stmt = stmt.where(Bid.kol_id == user.id)
    else:
        stmt = stmt.join(Campaign, Campaign.id == Bid.campaign_id).where(
            Campaign.brand_id == user.id
        )
    if status == "waiting":
        stmt = stmt.where(Bid.status.in_(ACTIVE_BID_STATUSES), Bid.turn == role_side(user))
    elif status in {s.value for s in BidStatus}:
        stmt = stmt.where(Bid.status == BidStatus(status))
    return list_page(stmt, (Bid.updated_at, Bid.id), page=page, per_page=per_page,
                     cursor=cursor, numbered_first=numbered_first)  # fmt: skip


def names_for_bids(bids) -> tuple[dict[int, Campaign], dict[int, KolProfile]]:
    """The campaigns and KOL profiles of a page of bids (two queries)."""
    campaign_ids = {b.campaign_id for b in bids}
    kol_ids = {b.kol_id for b in bids}
    campaigns = (
        {c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))}
        if campaign_ids
        else {}
    )
    profiles = (
        {
            p.user_id: p
            for p in db.session.scalars(select(KolProfile).where(KolProfile.user_id.in_(kol_ids)))
        }
        if kol_ids
        else {}
    )
    return campaigns, profiles


def contract_id_for_bid(bid_id: int) -> int | None:
    """The contract an accepted bid became, if any."""
    return db.session.scalar(select(Contract.id).where(Contract.bid_id == bid_id))
