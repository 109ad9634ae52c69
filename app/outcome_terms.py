"""Outcome terms: what a deal pays for what its note sold, besides (or on top of) the flat price.

A campaign states them; each bid and counter-offer carries them (the campaign's by default);
the contract fixes them at acceptance. Held here, below the features, because campaigns, bids
and contracts all carry the same columns (``OutcomeTerms``) and the same rules (``clean_terms``).

- commission: ``commission_bps`` basis points of each counted order's value, and/or
  ``commission_fixed`` minor units per counted order;
- bonus: ``bonus_amount`` once ``bonus_metric`` (views, clicks or conversions) reaches
  ``bonus_threshold`` within the performance window;
- ``outcome_cap``: the most commission + bonus can ever pay (the bonus counts inside the cap), so
  the brand funds price + cap (+ the brand fee on both) and never owes more than it paid;
- ``performance_days``: the window after approval in which orders and the bonus metric count;
- ``return_days``: how long after an order the brand may reverse it (a return or refund).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.money import MAX_MINOR_AMOUNT

BONUS_METRICS = {"views": _l("views"), "clicks": _l("clicks"), "conversions": _l("orders")}
MAX_COMMISSION_BPS = 8000  # 80 %, the most TikTok Shop's affiliate plans allow
# (field, lowest, highest) for the whole-number terms.
TERM_RANGES = {
    "commission_bps": (0, MAX_COMMISSION_BPS),
    "bonus_threshold": (0, 2_000_000_000),
    "performance_days": (1, 365),
    "return_days": (0, 90),
}
TERM_AMOUNTS = ("commission_fixed", "bonus_amount", "outcome_cap")
TERM_FIELDS = (*TERM_RANGES, *TERM_AMOUNTS, "bonus_metric")
# What a bid or counter-offer may change (the windows stay the campaign's).
NEGOTIABLE = ("commission_bps", "commission_fixed", "bonus_amount", "bonus_threshold",
              "bonus_metric", "outcome_cap")  # fmt: skip
TERM_DEFAULTS = {"performance_days": 30, "return_days": 14}


def percent_text(bps: int) -> str:
    """Basis points as a percent a person reads and types: 1000 → '10', 1250 → '12.5'."""
    return format((Decimal(bps) / 100).normalize(), "f")


class OutcomeTerms:
    """The outcome-term columns, shared by campaigns, bids and contracts."""

    commission_bps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    commission_fixed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    bonus_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    bonus_metric: Mapped[str | None] = mapped_column(String(12))
    bonus_threshold: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    outcome_cap: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    performance_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    return_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")

    @property
    def has_outcome_terms(self) -> bool:
        return self.outcome_cap > 0

    def terms(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TERM_FIELDS}


def clean_terms(values: dict[str, Any], errors: dict, *, fields=TERM_FIELDS) -> dict[str, Any]:
    """The terms among ``values`` checked together; problems go into ``errors`` by field."""
    clean: dict[str, Any] = {}
    for name in fields:
        value = values.get(name)
        if name == "bonus_metric":
            value = value or None
            if value is not None and value not in BONUS_METRICS:
                errors[name] = [_("Choose views, clicks or orders.")]
            clean[name] = value
            continue
        if value is None:
            value = TERM_DEFAULTS.get(name, 0)
        low, high = TERM_RANGES.get(name, (0, MAX_MINOR_AMOUNT))
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [_("Enter a whole number.")]
        elif not low <= value <= high:
            errors[name] = [_("Enter a number from %(low)d to %(high)d.", low=low, high=high)]
        clean[name] = value
    _check_together(clean, errors)
    return clean


def _check_together(terms: dict[str, Any], errors: dict) -> None:
    """A cap needs something to pay, and anything to pay needs a cap that covers the bonus."""
    if any(name in errors for name in terms):
        return
    get = terms.get
    pays = get("commission_bps", 0) or get("commission_fixed", 0) or get("bonus_amount", 0)
    if pays and not get("outcome_cap", 0):
        errors["outcome_cap"] = [
            _("Set a cap: the most commission and bonus may pay in all (it is funded up front).")
        ]
    elif get("outcome_cap", 0) and not pays:
        errors["outcome_cap"] = [_("A cap needs a commission or a bonus; leave it at 0.")]
    elif get("bonus_amount", 0) > get("outcome_cap", 0):
        errors["bonus_amount"] = [_("The bonus is paid within the cap: it cannot exceed it.")]
    if get("bonus_amount", 0) and (not get("bonus_metric") or not get("bonus_threshold", 0)):
        errors["bonus_threshold"] = [_("A bonus needs a metric and a threshold above 0.")]
    elif not get("bonus_amount", 0) and get("bonus_threshold", 0):
        errors["bonus_amount"] = [_("Enter the bonus paid at this threshold.")]
