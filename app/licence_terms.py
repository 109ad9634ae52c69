"""Usage rights as a priced licence: where the brand may reuse the note, for how many days, at
what fee. A campaign states them; each bid and counter-offer carries them (the campaign's by
default); the contract fixes them at acceptance, with the brand fee and the KOL fee on the
licence fee. The fee is funded with the contract and paid to the KOL with the flat price.

Held here, below the features, like app/outcome_terms.py: campaigns, bids, offers and
contracts all carry the same columns (``LicenceTerms``) and the same rules (``clean_licence``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.money import MAX_MINOR_AMOUNT

# Where the brand may reuse the note: its own channels only, or also paid ads and boosting.
LICENCE_SCOPES = {
    "own": _l("Brand's own channels"),
    "paid": _l("Own channels and paid ads / boosting"),
}
MAX_LICENCE_DAYS = 730
LICENCE_FIELDS = ("licence_scope", "licence_days", "licence_fee")


class LicenceTerms:
    """The licence columns, shared by campaigns, bids, offers and contracts."""

    licence_scope: Mapped[str | None] = mapped_column(String(12))
    licence_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    licence_fee: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    @property
    def has_licence(self) -> bool:
        return self.licence_scope is not None

    @property
    def licence_scope_text(self) -> str:
        return str(LICENCE_SCOPES.get(self.licence_scope or "", ""))

    def licence(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LICENCE_FIELDS}


def clean_licence(values: dict[str, Any], errors: dict) -> dict[str, Any]:
    """The licence among ``values`` checked together; problems go into ``errors`` by field.
    No scope means no licence (days and fee 0); a scope needs days from 1 to 730."""
    scope = values.get("licence_scope") or None
    days, fee = values.get("licence_days") or 0, values.get("licence_fee") or 0
    if scope is not None and scope not in LICENCE_SCOPES:
        errors["licence_scope"] = [_("Choose own channels or paid ads.")]
    for name, value, high in (
        ("licence_days", days, MAX_LICENCE_DAYS),
        ("licence_fee", fee, MAX_MINOR_AMOUNT),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [_("Enter a whole number.")]
        elif not 0 <= value <= high:
            errors[name] = [_("Enter a number from %(low)d to %(high)d.", low=0, high=high)]
    if any(name in errors for name in LICENCE_FIELDS):
        return {"licence_scope": scope, "licence_days": 0, "licence_fee": 0}
    if scope is None and (days or fee):
        errors["licence_scope"] = [
            _("Choose where the brand may use the note, or clear the days and fee.")
        ]
    elif scope is not None and not days:
        errors["licence_days"] = [_("Enter how many days the licence lasts (1–730).")]
    return {"licence_scope": scope, "licence_days": days, "licence_fee": fee}
