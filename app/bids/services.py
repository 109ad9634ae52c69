"""Bids and counter-offers: who may do what, whose turn it is, and what each side pays.

A verified KOL bids on an open campaign before its application deadline. ``Bid.turn`` names the
side that must answer; that side may accept, counter or reject (a KOL "declines" a counter).
The KOL may also edit or withdraw while the bid is pending or it is their turn. Every price put
on the table is an ``Offer`` row. Accepting creates the contract under a campaign row lock.

Prices are integers in the campaign currency's minor unit, as the API sends them; the web forms
read the typed decimal text into that (app.forms.MoneyField) before calling in here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bids.checks import (
    MESSAGE_MAX,
    PITCH_MAX,
    bid_problems,
    checked_bid_fields,
    preview_bid,
    preview_fees,
    price_or_error,
    price_warning,
)
from app.bids.models import ACTIVE_BID_STATUSES, BRAND, KOL, Bid, BidStatus, Offer
from app.bids.queries import active_bid_of, campaign_for_bidding, visible_bid
from app.campaigns.models import Campaign, CampaignStatus
from app.contracts.deliverables import check_due_dates
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.licence_terms import LICENCE_FIELDS, clean_licence
from app.money import format_money
from app.notifications.messages import money
from app.notifications.services import notify
from app.outcome_terms import NEGOTIABLE, TERM_FIELDS, clean_terms
from app.profiles.models import KolProfile
from app.status import move, record_created
from app.text import clean_text
from app.webhooks import services as webhooks

__all__ = [
    "MESSAGE_MAX",
    "PITCH_MAX",
    "bid_problems",
    "preview_bid",
    "preview_fees",
    "price_warning",
]


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


def due_dates_for(campaign: Campaign, raw: Sequence) -> list[date]:
    """The due dates proposed for the campaign's deliverables: dates, one at most for each,
    none in the past (422 naming ``deliverable_due_dates``)."""
    dues = check_due_dates(raw, len(campaign.deliverable_plan))
    if any(d < utcnow().date() for d in dues):
        raise ValidationFailed({"deliverable_due_dates": [_("Due dates cannot be in the past.")]})
    return dues


def create_bid(
    *,
    campaign_id: int,
    kol_id: int,
    price: int | None,
    pitch: str,
    proposed_delivery: date | None,
    terms: dict | None = None,
    deliverable_due_dates: Sequence = (),
) -> Bid:
    """A verified KOL bids on an open campaign (one active bid per KOL per campaign); the
    outcome terms are the campaign's unless ``terms`` proposes others; with several
    deliverables, a due date for each may be proposed (the others are due on the delivery date)."""
    campaign = campaign_for_bidding(campaign_id, kol_id)
    _check_verified(kol_id)
    _check_open_for_bids(campaign)
    if active_bid_of(campaign_id=campaign_id, kol_id=kol_id) is not None:
        raise Conflict(_("You already have an active bid on this campaign; edit it instead."))
    offered = offered_terms(on_table(campaign), terms)
    amount, text, delivery = checked_bid_fields(
        campaign, price, pitch, proposed_delivery, offered["outcome_cap"], offered["licence_fee"]
    )
    dues = due_dates_for(campaign, deliverable_due_dates)
    bid = Bid(
        deliverable_due_dates=",".join(d.isoformat() for d in dues),
        **offered,
        campaign_id=campaign.id,
        kol_id=kol_id,
        price=amount,
        currency=campaign.currency,
        pitch=text,
        proposed_delivery=delivery,
        status=BidStatus.PENDING,
        turn=BRAND,
    )
    bid.offers.append(Offer.of(bid, by_role=KOL, message=text))
    try:
        with db.session.begin_nested():
            db.session.add(bid)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("You already have an active bid on this campaign; edit it instead.")
        ) from None
    record_created(bid, by=kol_id)
    webhooks.emit(
        brand_id=campaign.brand_id,
        event_type="bid.received",
        key=f"bid:{bid.id}",
        data={"bid_id": bid.id, "campaign_id": campaign.id, "kol_id": kol_id,
              "price": amount, "currency": campaign.currency},
    )  # fmt: skip
    _tell(
        campaign.brand_id,
        "bid.new",
        bid,
        price=money(amount, campaign.currency),
        title=campaign.title,
    )
    return bid


def on_table(holder) -> dict:
    """A campaign's, bid's or offer's terms: outcome terms and the usage licence."""
    return {**holder.terms(), **holder.licence()}


def offered_terms(current: dict, proposed: dict | None) -> dict:
    """The terms on the table (outcome terms and the licence): ``current`` with the negotiable
    ones ``proposed`` changes, checked together (ValidationFailed names the field)."""
    if not proposed:
        return {name: current[name] for name in (*TERM_FIELDS, *LICENCE_FIELDS)}
    errors: dict = {}
    negotiable = (*NEGOTIABLE, *LICENCE_FIELDS)
    merged = {**current, **{k: v for k, v in proposed.items() if k in negotiable}}
    clean = clean_terms(merged, errors)
    clean.update(clean_licence(merged, errors))
    if errors:
        raise ValidationFailed(errors)
    return clean


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
    price: int | None,
    pitch: str,
    proposed_delivery: date | None,
    terms: dict | None = None,
) -> Bid:
    """The KOL edits their bid while it is pending or their turn; a new price (or new outcome
    terms) is a new offer."""
    bid, campaign, side = _party_bid(bid_id, kol_id)
    if side != KOL:
        raise NotFound(_("No such bid."))
    _check_active(bid, campaign)
    _kol_may_change(bid)
    offered = offered_terms(on_table(bid), terms)
    amount, text, delivery = checked_bid_fields(
        campaign, price, pitch, proposed_delivery, offered["outcome_cap"], offered["licence_fee"]
    )
    price_changed = amount != bid.price or offered != on_table(bid)
    bid.pitch, bid.proposed_delivery = text, delivery
    for name, value in offered.items():
        setattr(bid, name, value)
    if price_changed:
        bid.price = amount
        bid.offers.append(Offer.of(bid, by_role=KOL, message=_("Updated bid")))
    if bid.turn == KOL:
        bid.turn = BRAND
    _tell(campaign.brand_id, "bid.updated", bid, t=campaign.title)
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
    _tell(campaign.brand_id, "bid.withdrawn", bid, t=campaign.title)
    return bid


# ---- moves of the side whose turn it is ----------------------------------------------------


def check_may_answer(*, bid_id: int, user_id: int) -> None:
    """Refuse (409) before any preview when the bid is closed or it is not the caller's turn."""
    bid, campaign = visible_bid(bid_id=bid_id, user_id=user_id)
    _check_active(bid, campaign)
    _check_turn(bid, KOL if user_id == bid.kol_id else BRAND)


def counter_bid(
    *, bid_id: int, user_id: int, price: int | None, message: str, terms: dict | None = None
) -> Bid:
    """The side whose turn it is puts a new price (and outcome terms) on the table; the other
    side answers next."""
    bid, campaign, side = _party_bid(bid_id, user_id)
    _check_active(bid, campaign)
    _check_turn(bid, side)
    errors: dict[str, list[str]] = {}
    offered = offered_terms(on_table(bid), terms)
    amount = price_or_error(
        price,
        bid.currency,
        errors,
        cap=offered["outcome_cap"],
        licence_fee=offered["licence_fee"],
    )
    if not errors and amount == bid.price and offered == on_table(bid):
        errors["price"] = [_("A counter-offer needs a different price.")]
    if errors:
        raise ValidationFailed(errors)
    text = clean_text(message, MESSAGE_MAX)
    move(bid, BidStatus.COUNTERED, by=user_id, reason=text or None)
    bid.price = amount
    for name, value in offered.items():
        setattr(bid, name, value)
    bid.turn = KOL if side == BRAND else BRAND
    bid.offers.append(Offer.of(bid, by_role=side, message=text))
    other = bid.kol_id if side == BRAND else campaign.brand_id
    _tell(other, "bid.counter", bid, price=money(amount, bid.currency), title=campaign.title)
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
        _tell(bid.kol_id, "bid.rejected", bid, t=campaign.title)
    else:
        _tell(campaign.brand_id, "bid.declined", bid, t=campaign.title)
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
    # The cap and the licence fee are funded and held like the price.
    committing = bid.price + bid.outcome_cap + bid.licence_fee
    if campaign.committed_amount + committing > campaign.budget:
        raise Conflict(
            _(
                "Accepting %(price)s would exceed the campaign budget: %(left)s is left.",
                price=format_money(committing, bid.currency),
                left=format_money(campaign.remaining_budget, campaign.currency),
            )
        )
    if campaign.committed_notes + 1 > campaign.notes_wanted:
        raise Conflict(_("This campaign already has all the notes it wants."))
    campaign.committed_amount += committing
    campaign.committed_notes += 1
    move(bid, BidStatus.ACCEPTED, by=user_id)
    bid.decided_at = utcnow()
    contract = create_contract(bid=bid, campaign=campaign, by=user_id)
    link = f"/contracts/{contract.id}"
    deal = {"t": campaign.title, "p": money(bid.price, bid.currency)}
    notify(user_id=bid.kol_id, kind="bid.accepted", link=link, **deal)
    notify(user_id=campaign.brand_id, kind="bid.accepted", link=link, **deal)
    return contract


# ---- expiry --------------------------------------------------------------------------------


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


def _tell(user_id: int, kind: str, bid: Bid, **params) -> None:
    db.session.flush()
    notify(user_id=user_id, kind=kind, link=f"/bids/{bid.id}", **params)
