"""Money as integer minor units beside a currency: parse, format, split by basis points."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from babel.numbers import format_currency

if TYPE_CHECKING:
    from flask import Flask

# Stripe's minor units (https://docs.stripe.com/currencies, copied 2026-12-06). The emulator
# plays Stripe and keeps its own copy (app/payments/emulator/currencies.py; it must not import
# the app, and importing it from here would import app.payments, which imports this module):
# tests/payments/test_currency_minimums.py fails when the two disagree.
ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})  # fmt: skip
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# The currencies we offer: every one is a currency Stripe can charge.
CURRENCIES = (
    "usd",
    "eur",
    "gbp",
    "cny",
    "hkd",
    "sgd",
    "jpy",
    "krw",
    "aud",
    "cad",
    "chf",
    "myr",
    "thb",
    "nzd",
    "sek",
    "aed",
    "twd",
    "idr",
    "vnd",
)
# The least one payment may be, per currency we offer, in minor units. Where Stripe publishes
# a minimum (by settlement currency) it is Stripe's. For CNY, KRW, TWD, IDR and VND Stripe
# publishes none: it converts the charge and applies the settlement currency's minimum, so
# we ask for about USD 1, twice the usual minimum, which rate swings cannot bring under it.
MINIMUM_CHARGE = {
    "usd": 50, "eur": 50, "gbp": 30, "hkd": 400, "sgd": 50, "jpy": 50, "aud": 50,
    "cad": 50, "chf": 50, "myr": 200, "thb": 1000, "nzd": 50, "sek": 300, "aed": 200,
    "cny": 1000, "krw": 1500, "twd": 4000, "idr": 2000000, "vnd": 30000,
}  # fmt: skip
# Stripe's largest charge is bounded by the amount's digits: 8, more for these currencies.
MAXIMUM_CHARGE_DIGITS = {"idr": 12, "inr": 9, "lbp": 11, "cop": 10, "huf": 10, "jpy": 10}
# Far above any deal we handle, far below BIGINT: a typo cannot overflow a column.
MAX_MINOR_AMOUNT = 10**12
_AMOUNT_RE = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")


class MoneyError(ValueError):
    pass


def decimals(currency: str) -> int:
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def check_currency(currency: str) -> str:
    code = (currency or "").strip().lower()
    if code not in CURRENCIES:
        raise MoneyError(f"unsupported currency {currency!r}")
    return code


def parse_amount(text: str, currency: str) -> int:
    """'1,234.50' in USD → 123450; '1200' in JPY → 1200. Refuses fractions a currency lacks."""
    places = decimals(check_currency(currency))
    cleaned = str(text).replace(",", "").strip()
    if not _AMOUNT_RE.match(cleaned):
        raise MoneyError("not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError("not a number") from None
    minor = value * (10**places)
    if abs(minor) > MAX_MINOR_AMOUNT:
        raise MoneyError("too large")
    if minor != minor.to_integral_value():
        raise MoneyError(f"at most {places} decimal places")
    return int(minor)


def to_major_text(amount: int, currency: str) -> str:
    """123450 USD → '1234.50' (for form fields)."""
    places = decimals(currency)
    if places == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def format_money(amount: int | None, currency: str | None, locale: str | None = None) -> str:
    """123450, 'usd' → '$1,234.50' in English, 'US$1,234.50' in Chinese: the reader's locale
    (the request's, or the one ``force_locale`` sets for an e-mail) picks the symbol, so CNY and
    JPY read 'CN¥' and '¥' to an English reader and '¥' and 'JP¥' to a Chinese one."""
    if amount is None or not currency:
        return "—"
    places = decimals(currency)
    text = format_currency(
        Decimal(amount).scaleb(-places), currency.upper(), locale=locale or _reader_locale()
    )
    # CLDR's currency spacing, which Babel leaves out: a symbol that is letters ('CHF', 'SGD')
    # stands apart from the number by a no-break space.
    return _LETTERS_THEN_DIGIT.sub("\\1\u00a0\\2", text)


_LETTERS_THEN_DIGIT = re.compile(r"([A-Za-z])(\d)")


def _reader_locale() -> Any:
    from flask import has_app_context

    if not has_app_context():
        return "en"
    from flask_babel import get_locale

    return get_locale() or "en"


def fee_for(amount: int, basis_points: int) -> int:
    """The fee of ``basis_points`` on ``amount``, rounded half up to a whole minor unit."""
    if amount < 0 or basis_points < 0:
        raise MoneyError("amount and basis points must not be negative")
    fee = (Decimal(amount) * basis_points / Decimal(10_000)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(fee)


def offered_currencies(app: Flask | None = None) -> tuple[str, ...]:
    """The currencies deals can be in: the platform's Stripe settlement currencies, the
    default first (STRIPE_SETTLEMENT_CURRENCIES, checked at start; a contract's transfer
    must be in the currency its payment settles in), or every currency we offer when that is
    unset (development). The emulator settles in the same ones."""
    from flask import current_app

    return (app or current_app).config.get("STRIPE_SETTLEMENT_CURRENCIES") or CURRENCIES


def charge_limits(currency: str) -> tuple[int, int]:
    """The least and the most one payment in ``currency`` may be, in minor units."""
    code = check_currency(currency)
    return MINIMUM_CHARGE[code], 10 ** MAXIMUM_CHARGE_DIGITS.get(code, 8) - 1


def price_limits(currency: str, fee_bps: int) -> tuple[int, int]:
    """The lowest and highest price whose charge (price + its fee) is within charge_limits."""
    low_charge, high_charge = charge_limits(currency)
    low = low_charge * 10_000 // (10_000 + fee_bps)
    while low + fee_for(low, fee_bps) < low_charge:
        low += 1
    high = high_charge * 10_000 // (10_000 + fee_bps) + 1
    while high + fee_for(high, fee_bps) > high_charge:
        high -= 1
    return low, high
