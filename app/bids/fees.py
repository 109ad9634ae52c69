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
