"""What a brand enters for a campaign, cleaned and checked: amounts in minor units, deadlines,
targets, hashtags and mentions, outcome terms and the usage licence. One cleaning for the web
form, the JSON API and copies (app/campaigns/services.py stores the result)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.bids.fees import chargeable_deal_error
from app.campaigns.models import Campaign, CampaignTarget, ContentFormat
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, TIER_LABELS
from app.contracts.deliverables import clean_kinds
from app.db_types import utcnow
from app.errors import ValidationFailed
from app.licence_terms import LICENCE_FIELDS, clean_licence
from app.money import CURRENCIES, MAX_MINOR_AMOUNT, offered_currencies
from app.outcome_terms import TERM_FIELDS, clean_terms
from app.text import clean_text, clean_url

TARGET_KINDS = {"niches": "niche", "tiers": "tier", "regions": "region", "languages": "language"}
TARGET_CHOICES = {
    "niche": CATEGORIES,
    "tier": TIER_LABELS,
    "region": COUNTRIES,
    "language": LANGUAGES,
}
# (field, lowest, highest) for the whole-number fields.
INT_RANGES = {
    "notes_wanted": (1, 1000),
    "min_followers": (0, 2_000_000_000),
    "revision_rounds": (0, 10),
    "review_window_days": (1, 30),
    "keep_live_days": (0, 365),
    "attribution_days": (1, 90),
}
DEFAULTS = {"revision_rounds": 2, "review_window_days": 3, "keep_live_days": 30, "min_followers": 0}
_TAG_RE = re.compile(r"^\w{1,50}$")
_MENTION_RE = re.compile(r"^[\w.\-]{1,50}$")
COLUMN_FIELDS = (
    "title",
    "brief",
    "product_name",
    "product_url",
    "category",
    "currency",
    "notes_wanted",
    "budget",
    "price_min",
    "price_max",
    "min_followers",
    "application_deadline",
    "delivery_deadline",
    "required_hashtags",
    "required_mentions",
    "revision_rounds",
    "review_window_days",
    "keep_live_days",
    "attribution_days",
    "usage_rights",
    "deliverable_kinds",
    "invite_only",
    *TERM_FIELDS,  # outcome terms: commission, bonus, cap, windows (app/outcome_terms.py)
    *LICENCE_FIELDS,  # the usage licence: where, how long, what fee (app/licence_terms.py)
)


def normalise_tags(raw: str | list[str] | None, prefix: str) -> list[str]:
    """'glow, #Glow  #serum' → ['#glow', '#serum']: one prefix each, de-duplicated in order.

    Raises ValueError naming the first tag that is not made of letters, digits or _ (or . - for
    mentions)."""
    words = raw if isinstance(raw, list) else re.split(r"[\s,，]+", raw or "")
    pattern = _TAG_RE if prefix == "#" else _MENTION_RE
    seen: dict[str, str] = {}
    for word in words:
        word = clean_text(str(word), 60).lstrip("#@＃")
        if not word:
            continue
        if not pattern.match(word):
            raise ValueError(word)
        seen.setdefault(word.lower(), prefix + word)
    return list(seen.values())


def _clean_int(values: dict, name: str, errors: dict) -> int:
    value = values.get(name)
    if value is None:
        value = default_for(name)
    low, high = INT_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = [_("Enter a whole number.")]
        return low
    if not low <= value <= high:
        errors[name] = [_("Enter a number from %(low)d to %(high)d.", low=low, high=high)]
    return value


def default_for(name: str) -> int | None:
    """A whole-number field's default; the attribution window follows the analytics setting."""
    if name == "attribution_days":
        return current_app.config["ANALYTICS_ATTRIBUTION_DAYS"]
    return DEFAULTS.get(name)


def _clean_amounts(
    values: dict, currency: str, errors: dict, cap: int, licence_fee: int
) -> dict[str, int]:
    """Budget and price range; with outcome terms (a ``cap``) a price may be 0: commission only."""
    amounts = {}
    for name in ("budget", "price_min", "price_max"):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [_("Enter an amount.")]
        elif value < 0 or (value == 0 and (name == "budget" or not cap)):
            errors[name] = [_("The amount must be more than zero.")]
        elif value > MAX_MINOR_AMOUNT:
            errors[name] = [_("The amount is too large.")]
        else:
            amounts[name] = value
    for name in ("price_min", "price_max"):
        # What a contract charges the brand: the price and the cap, plus the brand fee.
        problem = (
            chargeable_deal_error(amounts[name], currency, cap=cap, licence_fee=licence_fee)
            if name in amounts and currency in CURRENCIES
            else None
        )
        if problem:
            errors[name] = [problem]
    if len(amounts) == 3:
        if amounts["price_min"] > amounts["price_max"]:
            errors["price_min"] = [_("The lowest price must not exceed the highest price.")]
        elif amounts["price_max"] > amounts["budget"]:
            errors["price_max"] = [_("The highest price per note must fit in the total budget.")]
    return amounts


def _clean_deadlines(values: dict, errors: dict) -> dict[str, datetime]:
    now, dates = utcnow(), {}
    for name in ("application_deadline", "delivery_deadline"):
        value = values.get(name)
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors[name] = [_("Enter a date and time.")]
        elif value <= now:
            errors[name] = [_("The deadline must be in the future.")]
        else:
            dates[name] = value
    if len(dates) == 2 and dates["application_deadline"] >= dates["delivery_deadline"]:
        errors["delivery_deadline"] = [_("Delivery must come after the application deadline.")]
    return dates


def _clean_targets(values: dict, errors: dict) -> list[CampaignTarget]:
    targets = []
    for field, kind in TARGET_KINDS.items():
        chosen = values.get(field) or []
        if not isinstance(chosen, list) or any(v not in TARGET_CHOICES[kind] for v in chosen):
            errors[field] = [_("Choose values from the list.")]
            continue
        targets += [CampaignTarget(kind=kind, value=v) for v in sorted(set(chosen))]
    return targets


def _clean_tags(values: dict, errors: dict) -> dict[str, str]:
    tags = {}
    for name, prefix in (("required_hashtags", "#"), ("required_mentions", "@")):
        try:
            tags[name] = " ".join(normalise_tags(values.get(name), prefix))
        except ValueError as bad:
            errors[name] = [_("“%(tag)s” is not a valid tag: use letters, digits and _.", tag=bad)]
            continue
        if len(tags[name]) > 500:
            errors[name] = [_("Keep the list under 500 characters.")]
    return tags


def clean_campaign_values(values: dict[str, Any]) -> tuple[dict[str, Any], list[CampaignTarget]]:
    """Check every field at once; the column values and the targeting, or ValidationFailed."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        "title": clean_text(values.get("title"), 140),
        "brief": clean_text(values.get("brief"), 20_000),
        "product_name": clean_text(values.get("product_name"), 140),
        "usage_rights": clean_text(values.get("usage_rights"), 2000),
        "product_url": "",
    }
    if not clean["title"]:
        errors["title"] = [_("Enter a title.")]
    try:
        clean["product_url"] = clean_url(values.get("product_url")) or ""
    except ValueError:
        errors["product_url"] = [_("Enter a full web address starting with https://")]
    if values.get("category") not in CATEGORIES:
        errors["category"] = [_("Choose a category from the list.")]
    if values.get("content_format") not in {f.value for f in ContentFormat}:
        errors["content_format"] = [_("Choose image note or video note.")]
    currency = str(values.get("currency") or "").lower()
    if currency not in CURRENCIES:
        errors["currency"] = [_("Choose a supported currency.")]
    elif currency not in offered_currencies():
        # Stripe would convert the payment into the platform's settlement currency, and a
        # KOL's transfer must be in that currency (docs/going-live.md).
        errors["currency"] = [
            _(
                "Payments in %(currency)s are not available on this platform; choose one of "
                "%(offered)s.",
                currency=currency.upper(),
                offered=", ".join(c.upper() for c in offered_currencies()),
            )
        ]
    clean.update(category=values.get("category"), currency=currency)
    clean["content_format"] = values.get("content_format")
    clean["invite_only"] = values.get("invite_only") is True
    clean["deliverable_kinds"] = clean_kinds(values.get("deliverable_kinds"), errors)
    clean.update({name: _clean_int(values, name, errors) for name in INT_RANGES})
    clean.update(clean_terms(values, errors), **clean_licence(values, errors))
    cap = clean["outcome_cap"] if isinstance(clean["outcome_cap"], int) else 0
    clean.update(_clean_amounts(values, currency, errors, cap, clean["licence_fee"]))
    clean.update(_clean_deadlines(values, errors))
    clean.update(_clean_tags(values, errors))
    targets = _clean_targets(values, errors)
    if errors:
        raise ValidationFailed(errors)
    clean["content_format"] = ContentFormat(clean["content_format"])
    return clean, targets


def campaign_values(campaign: Campaign) -> dict[str, Any]:
    """A campaign's editable values, in the shape the services take (for PATCH and copies)."""
    values = {name: getattr(campaign, name) for name in COLUMN_FIELDS}
    values["content_format"] = ContentFormat(campaign.content_format).value
    for field, kind in TARGET_KINDS.items():
        values[field] = campaign.targets_of(kind)
    return values
