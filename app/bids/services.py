"""Bids and counter-offers: who may do what, whose turn it is, and what each side pays.

A verified KOL bids on an open campaign before its application deadline. ``Bid.turn`` names the
side that must answer; that side may accept, counter or reject (a KOL "declines" a counter).
The KOL may also edit or withdraw while the bid is pending or it is their turn. Every price put
on the table is an ``Offer`` row. Accepting creates the contract under a campaign row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.bids.models import ACTIVE_BID_STATUSES, Bid, BidStatus, Offer
from app.campaigns.models import Campaign, CampaignStatus
from app.contracts.lifecycle import tick
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.money import MoneyError, charge_limits, fee_for, format_money, parse_amount, price_limits
from app.notifications.services import notify
from app.profiles.models import KolProfile
from app.status import move, record_created
from app.text import clean_text

PITCH_MAX = 5000
MESSAGE_MAX = 2000
BRAND, KOL = "brand", "kol"


@dataclass(frozen=True)
class Fees:
    """What each side pays and gets for a price, in minor units of ``currency``."""

    currency: str
    price: int
    brand_fee: int
    kol_fee: int

    @property
    def brand_total(self) -> int:
        return self.price + self.brand_fee

    @property
    def kol_net(self) -> int:
        return self.price - self.kol_fee

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "price": self.price,
            "brand_fee": self.brand_fee,
            "brand_total": self.brand_total,
            "kol_fee": self.kol_fee,
            "kol_net": self.kol_net,
        }


def fees_for(*, price: int, currency: str) -> Fees:
    """The brand fee and KOL fee on ``price`` at the configured basis points."""
    config = current_app.config
    return Fees(
        currency=currency,
        price=price,
        brand_fee=fee_for(price, config["BRAND_FEE_BPS"]),
        kol_fee=fee_for(price, config["KOL_FEE_BPS"]),
    )


def chargeable_price_error(price: int, currency: str) -> str | None:
    """Why the brand could not be charged for ``price`` (plus the brand fee) in one payment:
    under Stripe's minimum or over its maximum for the currency. None when it can."""
    low, high = price_limits(currency, current_app.config["BRAND_FEE_BPS"])
    least, most = charge_limits(currency)
    if price < low:
        return _(
            "Enter at least %(price)s: a payment in %(code)s (the price plus the brand fee) "
            "must be at least %(least)s.",
            price=format_money(low, currency),
            code=currency.upper(),
            least=format_money(least, currency),
        )
    if price > high:
        return _(
            "Enter at most %(price)s: a payment in %(code)s (the price plus the brand fee) "
            "can be at most %(most)s.",
            price=format_money(high, currency),
            code=currency.upper(),
            most=format_money(most, currency),
        )
    return None


# ---- reading -------------------------------------------------------------------------------


def campaign_for_bidding(campaign_id: int) -> Campaign:
    """An open campaign a KOL may look at to bid; anything else is 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
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


def own_campaign(*, campaign_id: int, brand_id: int) -> Campaign:
    """The brand's own campaign; another brand's answers 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.brand_id != brand_id:
        raise NotFound(_("No such campaign."))
    return campaign


def active_bid_of(*, campaign_id: int, kol_id: int) -> Bid | None:
    """The KOL's active (pending or countered) bid on a campaign, if any."""
    return db.session.scalar(
        select(Bid).where(
            Bid.campaign_id == campaign_id,
            Bid.kol_id == kol_id,
            Bid.status.in_(ACTIVE_BID_STATUSES),
        )
    )


# ---- validation ----------------------------------------------------------------------------


def _price_or_error(text: str | None, currency: str, errors: dict) -> int:
    try:
        price = parse_amount(text or "", currency)
    except MoneyError:
        errors["price"] = [_("Enter an amount such as 500 or 499.90 in %(c)s.", c=currency.upper())]
        return 0
    if price <= 0:
        errors["price"] = [_("The price must be more than zero.")]
    elif problem := chargeable_price_error(price, currency):
        errors["price"] = [problem]
    return price


def _delivery_or_error(value: date | None, campaign: Campaign, errors: dict) -> date | None:
    if value is None:
        errors["proposed_delivery"] = [_("Choose a delivery date.")]
    elif value < utcnow().date():
        errors["proposed_delivery"] = [_("The delivery date cannot be in the past.")]
    elif value > campaign.delivery_deadline.date():
        errors["proposed_delivery"] = [
            _(
                "Deliver on or before the campaign's delivery deadline (%(d)s).",
                d=campaign.delivery_deadline.date().isoformat(),
            )
        ]
    return value


def _bid_fields(campaign, price, pitch, proposed_delivery) -> tuple[int, str, date]:
    errors: dict[str, list[str]] = {}
    amount = _price_or_error(price, campaign.currency, errors)
    text = clean_text(pitch, PITCH_MAX + 1)
    if not text:
        errors["pitch"] = [_("Tell the brand why you are a good fit.")]
    elif len(text) > PITCH_MAX:
        errors["pitch"] = [_("Keep the pitch under %(n)d characters.", n=PITCH_MAX)]
    delivery = _delivery_or_error(proposed_delivery, campaign, errors)
    if errors:
        raise ValidationFailed(errors)
    return amount, text, delivery


def _check_open_for_bids(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(_("This campaign is not taking bids."))
    if utcnow() >= campaign.application_deadline:
        raise Conflict(_("The application deadline of this campaign has passed."))


def _check_verified(kol_id: int) -> None:
    profile = db.session.get(KolProfile, kol_id)
    if profile is None or not profile.is_verified:
        raise Forbidden(_("Only verified KOLs can bid. Ask for verification on your profile."))


# ---- the KOL's moves -----------------------------------------------------------------------


def create_bid(
    *, campaign_id: int, kol_id: int, price: str, pitch: str, proposed_delivery: date | None
) -> Bid:
    """A verified KOL bids on an open campaign (one active bid per KOL per campaign)."""
    campaign = campaign_for_bidding(campaign_id)
    _check_verified(kol_id)
    _check_open_for_bids(campaign)
    if active_bid_of(campaign_id=campaign_id, kol_id=kol_id) is not None:
        raise Conflict(_("You already have an active bid on this campaign; edit it instead."))
    amount, text, delivery = _bid_fields(campaign, price, pitch, proposed_delivery)
    bid = Bid(
        campaign_id=campaign.id,
        kol_id=kol_id,
        price=amount,
        currency=campaign.currency,
        pitch=text,
        proposed_delivery=delivery,
        status=BidStatus.PENDING,
        turn=BRAND,
    )
    bid.offers.append(Offer(by_role=KOL, price=amount, message=text))
    try:
        with db.session.begin_nested():
            db.session.add(bid)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("You already have an active bid on this campaign; edit it instead.")
        ) from None
    record_created(bid, by=kol_id)
    _tell(
        campaign.brand_id,
        "bid.new",
        _(
            "New bid of %(price)s on “%(title)s”.",
            price=format_money(amount, campaign.currency),
            title=campaign.title,
        ),
        bid,
    )
    return bid


def _lock_bid(bid_id: int) -> Bid:
    bid = db.session.scalar(
        select(Bid)
        .where(Bid.id == bid_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if bid is None:
        raise NotFound(_("No such bid."))
    return bid


def _party_bid(bid_id: int, user_id: int) -> tuple[Bid, Campaign, str]:
    """The bid row-locked, its campaign, and the caller's side; outsiders get 404."""
    bid, campaign = visible_bid(bid_id=bid_id, user_id=user_id)
    bid = _lock_bid(bid.id)
    return bid, campaign, KOL if user_id == bid.kol_id else BRAND


def _check_active(bid: Bid, campaign: Campaign) -> None:
    if not bid.is_active:
        raise Conflict(_("This bid is %(s)s and can no longer change.", s=_status_word(bid)))
    if utcnow() >= campaign.application_deadline:
        raise Conflict(_("This bid expired at the campaign's application deadline."))


def _check_turn(bid: Bid, side: str) -> None:
    if bid.turn != side:
        waiting = _("the brand") if bid.turn == BRAND else _("the KOL")
        raise Conflict(_("It is %(who)s's turn to answer this offer.", who=waiting))


def _kol_may_change(bid: Bid) -> None:
    if not (bid.status == BidStatus.PENDING or bid.turn == KOL):
        raise Conflict(_("Wait for the brand's answer before changing your bid."))


def update_bid(
    *,
    bid_id: int,
    kol_id: int,
    price: str,
    pitch: str,
    proposed_delivery: date | None,
) -> Bid:
    """The KOL edits their bid while it is pending or their turn; a new price is a new offer."""
    bid, campaign, side = _party_bid(bid_id, kol_id)
    if side != KOL:
        raise NotFound(_("No such bid."))
    _check_active(bid, campaign)
    _kol_may_change(bid)
    amount, text, delivery = _bid_fields(campaign, price, pitch, proposed_delivery)
    price_changed = amount != bid.price
    bid.pitch, bid.proposed_delivery = text, delivery
    if price_changed:
        bid.price = amount
        bid.offers.append(Offer(by_role=KOL, price=amount, message=_("Updated bid")))
    if bid.turn == KOL:
        bid.turn = BRAND
    _tell(
        campaign.brand_id, "bid.updated", _("A bid on “%(t)s” was updated.", t=campaign.title), bid
    )
    db.session.flush()
    return bid


def withdraw_bid(*, bid_id: int, kol_id: int) -> Bid:
    """The KOL takes the bid back while it is pending or their turn."""
    bid, campaign, side = _party_bid(bid_id, kol_id)
    if side != KOL:
        raise NotFound(_("No such bid."))
    if bid.is_active:
        _kol_may_change(bid)
    move(bid, BidStatus.WITHDRAWN, by=kol_id)
    bid.decided_at = utcnow()
    _tell(
        campaign.brand_id,
        "bid.withdrawn",
        _("A bid on “%(t)s” was withdrawn.", t=campaign.title),
        bid,
    )
    return bid


# ---- moves of the side whose turn it is ----------------------------------------------------


def check_may_answer(*, bid_id: int, user_id: int) -> None:
    """Refuse (409) before any preview when the bid is closed or it is not the caller's turn."""
    bid, campaign = visible_bid(bid_id=bid_id, user_id=user_id)
    _check_active(bid, campaign)
    _check_turn(bid, KOL if user_id == bid.kol_id else BRAND)


def counter_bid(*, bid_id: int, user_id: int, price: str, message: str) -> Bid:
    """The side whose turn it is puts a new price on the table; the other side answers next."""
    bid, campaign, side = _party_bid(bid_id, user_id)
    _check_active(bid, campaign)
    _check_turn(bid, side)
    errors: dict[str, list[str]] = {}
    amount = _price_or_error(price, bid.currency, errors)
    if not errors and amount == bid.price:
        errors["price"] = [_("A counter-offer needs a different price.")]
    if errors:
        raise ValidationFailed(errors)
    text = clean_text(message, MESSAGE_MAX)
    move(bid, BidStatus.COUNTERED, by=user_id, reason=text or None)
    bid.price = amount
    bid.turn = KOL if side == BRAND else BRAND
    bid.offers.append(Offer(by_role=side, price=amount, message=text))
    other = bid.kol_id if side == BRAND else campaign.brand_id
    _tell(
        other,
        "bid.counter",
        _(
            "Counter-offer of %(price)s on “%(title)s”.",
            price=format_money(amount, bid.currency),
            title=campaign.title,
        ),
        bid,
    )
    db.session.flush()
    return bid


def reject_bid(*, bid_id: int, user_id: int, reason: str = "") -> Bid:
    """The side whose turn it is says no: the brand rejects, or the KOL declines a counter."""
    bid, campaign, side = _party_bid(bid_id, user_id)
    _check_active(bid, campaign)
    _check_turn(bid, side)
    text = clean_text(reason, MESSAGE_MAX)
    move(bid, BidStatus.REJECTED, by=user_id, reason=text or None)
    bid.decided_at = utcnow()
    if side == BRAND:
        bid.reject_reason = text or None
        _tell(
            bid.kol_id,
            "bid.rejected",
            _("Your bid on “%(t)s” was declined.", t=campaign.title),
            bid,
        )
    else:
        _tell(
            campaign.brand_id,
            "bid.declined",
            _("The KOL declined your counter-offer on “%(t)s”.", t=campaign.title),
            bid,
        )
    return bid


def accept_bid(*, bid_id: int, user_id: int) -> Contract:
    """The side whose turn it is accepts the price on the table: the contract is created.

    The campaign row is locked first (then the bid), so two tabs accepting at once are served
    one after the other and neither the budget nor the notes wanted can be exceeded.
    """
    from app.contracts.services import create_contract

    bid, campaign = visible_bid(bid_id=bid_id, user_id=user_id)
    campaign = db.session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    bid = _lock_bid(bid.id)
    side = KOL if user_id == bid.kol_id else BRAND
    _check_active(bid, campaign)
    _check_turn(bid, side)
    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.CLOSED):
        raise Conflict(
            _("This campaign is %(s)s; it cannot take on deals.", s=campaign.status.value)
        )
    if campaign.committed_amount + bid.price > campaign.budget:
        raise Conflict(
            _(
                "Accepting %(price)s would exceed the campaign budget: %(left)s is left.",
                price=format_money(bid.price, bid.currency),
                left=format_money(campaign.remaining_budget, campaign.currency),
            )
        )
    if campaign.committed_notes + 1 > campaign.notes_wanted:
        raise Conflict(_("This campaign already has all the notes it wants."))
    campaign.committed_amount += bid.price
    campaign.committed_notes += 1
    move(bid, BidStatus.ACCEPTED, by=user_id)
    bid.decided_at = utcnow()
    contract = create_contract(bid=bid, campaign=campaign, by=user_id)
    link = f"/contracts/{contract.id}"
    text = _(
        "Deal agreed on “%(t)s” at %(p)s.",
        t=campaign.title,
        p=format_money(bid.price, bid.currency),
    )
    notify(user_id=bid.kol_id, kind="bid.accepted", text=text, link=link)
    notify(user_id=campaign.brand_id, kind="bid.accepted", text=text, link=link)
    return contract


# ---- expiry --------------------------------------------------------------------------------


@tick("expire_bids")
def expire_bids(now: datetime) -> int:
    """Pending and countered bids of campaigns past their application deadline expire."""
    stmt = (
        select(Bid)
        .join(Campaign, Campaign.id == Bid.campaign_id)
        .where(Bid.status.in_(ACTIVE_BID_STATUSES), Campaign.application_deadline <= now)
        .order_by(Bid.id)
        .with_for_update(of=Bid, skip_locked=True)
    )
    count = 0
    for bid in db.session.scalars(stmt):
        move(bid, BidStatus.EXPIRED, by=None, reason="application deadline passed")
        bid.decided_at = now
        count += 1
    db.session.flush()
    return count


# ---- helpers -------------------------------------------------------------------------------


def _status_word(bid: Bid) -> str:
    return str(bid.status).replace("_", " ")


def _tell(user_id: int, kind: str, text: str, bid: Bid) -> None:
    db.session.flush()
    notify(user_id=user_id, kind=kind, text=text, link=f"/bids/{bid.id}")


def role_side(user: User) -> str | None:
    return {Role.BRAND: BRAND, Role.KOL: KOL}.get(user.role)


def preview_fees(*, price: str, currency: str) -> Fees:
    """The fees on a typed price, before anyone commits (bad amounts name the field)."""
    errors: dict[str, list[str]] = {}
    amount = _price_or_error(price, currency, errors)
    if errors:
        raise ValidationFailed(errors)
    return fees_for(price=amount, currency=currency)


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

    own_campaign(campaign_id=campaign_id, brand_id=brand_id)
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


def bids_page(*, user: User, status: str | None, page: int, per_page: int = 20):
    """A KOL's own bids, or the bids on a brand's campaigns; ``waiting`` = your turn."""
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
    return db.paginate(
        stmt.order_by(Bid.updated_at.desc(), Bid.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


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
