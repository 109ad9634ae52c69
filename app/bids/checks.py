"""What a bid's fields must be (every problem at once, for the forms' first step) and the
warning shown before a price outside the campaign's range is sent. Prices are integers in
the campaign currency's minor unit."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.bids.fees import Fees, chargeable_deal_error, fees_for
from app.campaigns.models import Campaign
from app.db_types import utcnow
from app.errors import ValidationFailed
from app.money import format_money
from app.text import clean_text

PITCH_MAX = 5000
MESSAGE_MAX = 2000


def price_or_error(
    price: int | None, currency: str, errors: dict, *, cap: int = 0, licence_fee: int = 0
) -> int:
    """The price in minor units, or 0 with the reason under ``errors["price"]``: missing (an
    API call without one), not more than zero (0 is allowed when the deal pays commission or a
    bonus up to ``cap``: a commission-only deal), or a charge Stripe would refuse."""
    if price is None:
        errors["price"] = [_("Enter an amount.")]
        return 0
    if price < 0 or (price == 0 and cap <= 0):
        errors["price"] = [
            _(
                "The price must be more than zero, unless the deal pays a commission or a "
                "bonus up to a cap."
            )
        ]
    elif problem := chargeable_deal_error(price, currency, cap=cap, licence_fee=licence_fee):
        errors["price" if price else "outcome_cap"] = [problem]
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


def _within_budget(price: int, extras: int, campaign: Campaign, errors: dict) -> None:
    """A bid the brand could never accept (accepting checks the price with the cap and the
    licence fee, ``extras``, which are held like the price) is refused up front."""
    if "price" not in errors and price + extras > campaign.remaining_budget:
        errors["price"] = [
            _(
                "%(price)s is more than the campaign's remaining budget (%(left)s).",
                price=format_money(price + extras, campaign.currency),
                left=format_money(campaign.remaining_budget, campaign.currency),
            )
        ]


def bid_problems(
    campaign: Campaign,
    price: int | None,
    pitch: str,
    proposed_delivery: date | None,
    cap: int | None = None,
    licence_fee: int | None = None,
) -> dict[str, list[str]]:
    """Every problem with a bid's fields at once (field → messages), so a form shows them all
    on its first step instead of one step at a time. ``cap`` and ``licence_fee``: as proposed
    (the campaign's when None)."""
    errors: dict[str, list[str]] = {}
    cap = campaign.outcome_cap if cap is None else cap
    licence_fee = campaign.licence_fee if licence_fee is None else licence_fee
    amount = price_or_error(price, campaign.currency, errors, cap=cap, licence_fee=licence_fee)
    _within_budget(amount, cap + licence_fee, campaign, errors)
    text = clean_text(pitch or "", PITCH_MAX + 1)
    if not text:
        errors["pitch"] = [_("Tell the brand why you are a good fit.")]
    elif len(text) > PITCH_MAX:
        errors["pitch"] = [_("Keep the pitch under %(n)d characters.", n=PITCH_MAX)]
    _delivery_or_error(proposed_delivery, campaign, errors)
    return errors


def checked_bid_fields(
    campaign: Campaign,
    price: int | None,
    pitch: str,
    proposed_delivery: date | None,
    cap: int | None = None,
    licence_fee: int | None = None,
) -> tuple[int, str, date]:
    errors = bid_problems(campaign, price, pitch, proposed_delivery, cap, licence_fee)
    if errors:
        raise ValidationFailed(errors)
    return price, clean_text(pitch, PITCH_MAX + 1), proposed_delivery


def price_warning(campaign: Campaign, price: int) -> str | None:
    """A warning (not a refusal) for a price outside the campaign's range: shown beside the
    fees before the KOL confirms, since the brand is unlikely to accept it."""
    if campaign.price_min <= price <= campaign.price_max:
        return None
    params = dict(
        price=format_money(price, campaign.currency),
        min=format_money(campaign.price_min, campaign.currency),
        max=format_money(campaign.price_max, campaign.currency),
    )
    if price > campaign.price_max:
        return _(
            "%(price)s is above this campaign's range of %(min)s – %(max)s per note: "
            "the brand may not accept it.",
            **params,
        )
    return _(
        "%(price)s is below this campaign's range of %(min)s – %(max)s per note: "
        "check that you typed the amount you meant.",
        **params,
    )


def preview_bid(
    *,
    campaign: Campaign,
    price: int | None,
    pitch: str,
    proposed_delivery: date | None,
    cap: int | None = None,
    licence_fee: int | None = None,
) -> Fees:
    """The first step of the bid form: every field is checked (all errors at once, a past
    date included) before the fees are shown for confirmation."""
    errors = bid_problems(campaign, price, pitch, proposed_delivery, cap, licence_fee)
    if errors:
        raise ValidationFailed(errors)
    cap = campaign.outcome_cap if cap is None else cap
    licence_fee = campaign.licence_fee if licence_fee is None else licence_fee
    return fees_for(price=price, currency=campaign.currency, cap=cap, licence_fee=licence_fee)


def preview_fees(*, price: int | None, currency: str, cap: int = 0, licence_fee: int = 0) -> Fees:
    """The fees on a price (minor units) before anyone commits; a bad price names the field."""
    errors: dict[str, list[str]] = {}
    amount = price_or_error(price, currency, errors, cap=cap, licence_fee=licence_fee)
    if errors:
        raise ValidationFailed(errors)
    return fees_for(price=amount, currency=currency, cap=cap, licence_fee=licence_fee)
