"""What each side of a bid pays and gets: the brand fee and the KOL fee on a price, and whether
the brand could be charged for it in one Stripe payment."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from app.money import charge_limits, fee_for, format_money, price_limits


@dataclass(frozen=True)
class Fees:
    """What each side pays and gets for a price, in minor units of ``currency``."""

    currency: str
    price: int
    brand_fee: int
    kol_fee: int
    # The outcome cap with its brand fee, and the licence fee with its brand and KOL fees.
    outcome_reserve: int = 0
    licence_fee: int = 0
    licence_brand_fee: int = 0
    licence_kol_fee: int = 0

    @property
    def licence_total(self) -> int:
        return self.licence_fee + self.licence_brand_fee

    @property
    def licence_net(self) -> int:
        return self.licence_fee - self.licence_kol_fee

    @property
    def brand_total(self) -> int:
        return self.price + self.brand_fee + self.outcome_reserve + self.licence_total

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
            "outcome_reserve": self.outcome_reserve,
            "licence_fee": self.licence_fee,
            "licence_brand_fee": self.licence_brand_fee,
            "licence_kol_fee": self.licence_kol_fee,
        }


def fees_for(*, price: int, currency: str, cap: int = 0, licence_fee: int = 0) -> Fees:
    """The brand fee and KOL fee on ``price`` at the configured basis points; with a cap, the
    brand fee on it; with a licence fee, the brand and KOL fees on it."""
    config = current_app.config
    brand_bps, kol_bps = config["BRAND_FEE_BPS"], config["KOL_FEE_BPS"]
    return Fees(
        currency=currency,
        price=price,
        brand_fee=fee_for(price, brand_bps),
        kol_fee=fee_for(price, kol_bps),
        outcome_reserve=cap + fee_for(cap, brand_bps),
        licence_fee=licence_fee,
        licence_brand_fee=fee_for(licence_fee, brand_bps),
        licence_kol_fee=fee_for(licence_fee, kol_bps),
    )


def bid_fees(bid) -> Fees:
    """What each side pays and gets for the offer on a bid's table."""
    return fees_for(
        price=bid.price, currency=bid.currency, cap=bid.outcome_cap, licence_fee=bid.licence_fee
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


def deal_charge(*, price: int, cap: int = 0, licence_fee: int = 0) -> int:
    """What the brand is charged for a deal: the price, the outcome cap and the licence fee,
    each with its brand fee (as the contract fixes them at acceptance)."""
    bps = current_app.config["BRAND_FEE_BPS"]
    return sum(part + fee_for(part, bps) for part in (price, cap, licence_fee))


def chargeable_deal_error(
    price: int, currency: str, *, cap: int = 0, licence_fee: int = 0
) -> str | None:
    """Why the brand could not be charged for a deal in one payment, or None. A flat price
    alone is checked as before (``chargeable_price_error``); with a cap or a licence fee,
    Stripe's limits apply to the whole charge, so a commission-only deal (price 0) is possible
    when what is charged reaches the currency's minimum."""
    if min(price, cap, licence_fee) < 0:
        return None  # a negative amount is refused at its own field
    if cap <= 0 and licence_fee <= 0:
        return chargeable_price_error(price, currency)
    least, most = charge_limits(currency)
    total = deal_charge(price=price, cap=cap, licence_fee=licence_fee)
    params = dict(
        total=format_money(total, currency),
        code=currency.upper(),
        least=format_money(least, currency),
        most=format_money(most, currency),
    )
    if total < least:
        return _(
            "The brand would pay %(total)s in all (with the brand fee); a payment in %(code)s "
            "must be at least %(least)s: raise the price or the cap.",
            **params,
        )
    if total > most:
        return _(
            "The brand would pay %(total)s in all (with the brand fee); a payment in %(code)s "
            "can be at most %(most)s.",
            **params,
        )
    return None
