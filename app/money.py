"""Money as integer minor units beside a currency: parse, format, split by basis points."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Currencies Stripe settles that we offer, and how many decimals each has.
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "pyg", "ugx", "xaf", "xof"})
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
SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "cny": "¥",
    "jpy": "¥",
    "krw": "₩",
    "hkd": "HK$",
    "sgd": "S$",
    "aud": "A$",
    "cad": "C$",
}


# Far above any deal we handle, far below BIGINT: a typo cannot overflow a column.
MAX_MINOR_AMOUNT = 10**12
_AMOUNT_RE = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")


class MoneyError(ValueError):
    pass


def decimals(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL else 2


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


def format_money(amount: int | None, currency: str | None) -> str:
    """123450, 'usd' → '$1,234.50'; unknown symbols fall back to the code."""
    if amount is None or not currency:
        return "—"
    places = decimals(currency)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**places) if places else (abs(amount), 0)
    text = f"{whole:,}" + (f".{frac:0{places}d}" if places else "")
    symbol = SYMBOLS.get(currency.lower())
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


def fee_for(amount: int, basis_points: int) -> int:
    """The fee of ``basis_points`` on ``amount``, rounded half up to a whole minor unit."""
    if amount < 0 or basis_points < 0:
        raise MoneyError("amount and basis points must not be negative")
    fee = (Decimal(amount) * basis_points / Decimal(10_000)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(fee)
