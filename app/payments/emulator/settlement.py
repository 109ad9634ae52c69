"""The platform account's settings that decide how money settles, and currency conversion.

A Stripe account settles in its settlement currencies (the currencies of its bank accounts).
A charge presented in another currency is converted: its balance transaction is in the first
settlement currency, with the ``exchange_rate`` used and the fee in that currency. A transfer
with ``source_transaction`` must then be in the settlement currency too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .currencies import exponent

# Fixed, illustrative rates (US dollars per unit): the emulator's conversions are repeatable.
USD_PER_UNIT = {
    "usd": "1",
    "eur": "1.08",
    "gbp": "1.27",
    "cny": "0.14",
    "hkd": "0.128",
    "sgd": "0.74",
    "jpy": "0.0067",
    "krw": "0.00075",
    "aud": "0.66",
    "cad": "0.73",
    "chf": "1.13",
    "myr": "0.21",
    "thb": "0.028",
    "nzd": "0.6",
    "sek": "0.095",
    "aed": "0.2723",
    "twd": "0.031",
    "idr": "0.000063",
    "vnd": "0.000041",
}


@dataclass
class Settings:
    """``settlement_currencies``: the platform's balance currencies, the first the default.
    ``debit_negative_balances``: Stripe may debit the bank when a refund exceeds the
    available balance (else the refund waits as pending). ``business_name``: the name the
    hosted Checkout and onboarding pages show, as Stripe shows the account's public name."""

    settlement_currencies: tuple[str, ...] = ("usd",)
    debit_negative_balances: bool = True
    business_name: str = "Test business"  # the platform's public name on the hosted pages

    @property
    def default_currency(self) -> str:
        return self.settlement_currencies[0]


def rate(source: str, target: str) -> Decimal:
    """Units of ``target`` per unit of ``source`` (major units), as Stripe's exchange_rate."""
    if source == target:
        return Decimal(1)
    return Decimal(USD_PER_UNIT.get(source, "1")) / Decimal(USD_PER_UNIT.get(target, "1"))


def convert(amount: int, source: str, target: str) -> int:
    """Minor units of ``source`` as minor units of ``target``, rounded half up."""
    if source == target:
        return amount
    major = Decimal(amount) / (10 ** exponent(source)) * rate(source, target)
    return int((major * (10 ** exponent(target))).quantize(Decimal(1), ROUND_HALF_UP))


def settles_as(settings: Settings, currency: str) -> tuple[str, float | None]:
    """(the currency a charge in ``currency`` settles in, the exchange rate or None)."""
    if currency in settings.settlement_currencies:
        return currency, None
    target = settings.default_currency
    return target, float(round(rate(currency, target), 8))


def settled(settings: Settings, amount: int, currency: str) -> tuple[int, str, float | None]:
    """(amount, currency, exchange rate) of ``amount`` of ``currency`` in the balance."""
    target, fx = settles_as(settings, currency)
    return convert(amount, currency, target), target, fx
