"""Stripe's currency rules: what it can charge, each currency's minor unit, minimum charges.

Source: https://docs.stripe.com/currencies ("Supported presentment currencies", "Zero-decimal
currencies", "Three-decimal currencies", "Special cases", "Minimum and maximum charge
amounts"), as published; copied 2026-12-06. Update this module when that page changes. The
app keeps its own copy of the part it needs (app/money.py): with real keys there is no
emulator to ask, and tests/payments/test_currency_minimums.py fails when the two disagree.
"""

from __future__ import annotations

# Card presentment currencies, plus the three-decimal ones (listed for accounts that can
# charge them, e.g. in the UAE).
CHARGEABLE = frozenset({
    "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd",
    "bdt", "bgn", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf",
    "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "etb",
    "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "htg",
    "huf", "idr", "ils", "inr", "isk", "jmd", "jpy", "kes", "kgs", "khr", "kmf", "krw", "kyd",
    "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd", "mmk", "mnt", "mop",
    "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "pab",
    "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd",
    "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl", "thb", "tjs", "top", "try",
    "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs", "vnd", "vuv", "wst", "xaf", "xcd", "xof",
    "xpf", "yer", "zar", "zmw", "bhd", "jod", "kwd", "omr", "tnd",
})  # fmt: skip
# Stripe's list. (Its "special cases" table also asks for UGX as two decimals ending in 00;
# the page contradicts itself there, and we follow the list.)
ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})  # fmt: skip
# Amounts in thousandths whose last digit must be 0 (5.124 KWD is sent as 5120 or 5130).
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# ISK became zero-decimal but is still sent with two decimals: whole krónur only (500 = 5 ISK).
WHOLE_UNITS_ONLY = frozenset({"isk"})

# The minimum charge by settlement currency, in minor units, and as Stripe writes it (its
# error messages quote it). A charge in another currency is converted to the settlement
# currency and must meet that currency's minimum after conversion.
MINIMUM_CHARGE: dict[str, tuple[int, str]] = {
    "usd": (50, "$0.50"),
    "aed": (200, "2.00 د.إ"),
    "aud": (50, "$0.50"),
    "bgn": (100, "лв1.00"),
    "brl": (50, "R$0.50"),
    "cad": (50, "$0.50"),
    "chf": (50, "0.50 Fr"),
    "czk": (1500, "15.00Kč"),
    "dkk": (250, "2.50-kr."),
    "eur": (50, "€0.50"),
    "gbp": (30, "£0.30"),
    "hkd": (400, "$4.00"),
    "huf": (17500, "175.00 Ft"),
    "inr": (50, "₹0.50"),
    "jpy": (50, "¥50"),
    "mxn": (1000, "$10"),
    "myr": (200, "RM 2"),
    "nok": (300, "3.00-kr."),
    "nzd": (50, "$0.50"),
    "pln": (200, "2.00 zł"),
    "ron": (200, "lei2.00"),
    "sek": (300, "3.00-kr."),
    "sgd": (50, "$0.50"),
    "thb": (1000, "฿10"),
}
# The amount field's digits bound the largest charge: 8 for most currencies, more for these
# (the card limits for JPY, HUF, COP and LBP).
MAXIMUM_DIGITS = {"idr": 12, "inr": 9, "lbp": 11, "cop": 10, "huf": 10, "jpy": 10}


def exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit in API amounts."""
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def maximum_charge(currency: str) -> int:
    return 10 ** MAXIMUM_DIGITS.get(currency, 8) - 1


def amount_step(currency: str) -> int:
    """The step an API amount must be a multiple of (10 for three-decimal, 100 for ISK)."""
    if currency in THREE_DECIMAL:
        return 10
    return 100 if currency in WHOLE_UNITS_ONLY else 1


def format_amount(amount: int, currency: str) -> str:
    """12345 'usd' → '123.45 USD'; 5120 'kwd' → '5.120 KWD'; 500 'jpy' → '500 JPY'."""
    places = exponent(currency)
    if not places:
        return f"{amount:,} {currency.upper()}"
    units, fraction = divmod(amount, 10**places)
    return f"{units:,}.{fraction:0{places}d} {currency.upper()}"
