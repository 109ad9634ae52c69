"""Campaign forms, and turning what a person typed (major units, local dates) into service values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.campaigns.discovery import KOL_SORTS, KolFilters
from app.campaigns.models import Campaign
from app.campaigns.queries import SORTS, BrowseFilters
from app.campaigns.values import INT_RANGES, TARGET_KINDS, default_for
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, TIER_LABELS
from app.errors import ValidationFailed
from app.forms import options
from app.money import CURRENCIES, MoneyError, offered_currencies, parse_amount, to_major_text
from app.outcomes.forms import TermsFields, terms_form_data, terms_from_form
from app.profiles.forms import MultiCheckboxField
from app.timezones import from_local_input, reader_zone, to_local_input

FORMATS = {"image": _l("Image note"), "video": _l("Video note")}
_TEXT_FIELDS = (
    "title",
    "brief",
    "product_name",
    "product_url",
    "category",
    "content_format",
    "currency",
    "required_hashtags",
    "required_mentions",
    "usage_rights",
    "deliverable_kinds",
)


def _when(label):
    return StringField(
        label,
        validators=[Optional(), Length(max=32)],
        render_kw={"type": "datetime-local"},
        description=_l("Date and time in your time zone (chosen in Settings)."),
    )


class CampaignForm(TermsFields, FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=140)])
    brief = TextAreaField(
        _l("Brief"),
        validators=[Length(max=20_000)],
        description=_l("What the note should show and say. Markdown: **bold**, lists, links."),
    )
    product_name = StringField(_l("Product name"), validators=[Length(max=140)])
    product_url = StringField(
        _l("Product link"),
        validators=[Length(max=300)],
        description=_l("Where readers' clicks go; starts with https://"),
    )
    cover = FileField(_l("Cover image (JPEG, PNG or WebP)"))
    category = SelectField(_l("Category"), choices=options(CATEGORIES))
    content_format = SelectField(_l("Content format"), choices=options(FORMATS))
    notes_wanted = StringField(_l("Notes wanted"), validators=[Length(max=10)])
    currency = SelectField(_l("Currency"), choices=options((c, c.upper()) for c in CURRENCIES))
    budget = StringField(_l("Total budget"), validators=[Length(max=20)])
    price_min = StringField(_l("Lowest price per note"), validators=[Length(max=20)])
    price_max = StringField(_l("Highest price per note"), validators=[Length(max=20)])
    niches = MultiCheckboxField(_l("Niches"), choices=options(CATEGORIES))
    tiers = MultiCheckboxField(_l("Tiers"), choices=options(TIER_LABELS))
    min_followers = StringField(_l("Minimum followers"), validators=[Length(max=12)])
    regions = MultiCheckboxField(_l("Regions"), choices=options(COUNTRIES))
    languages = MultiCheckboxField(_l("Languages"), choices=options(LANGUAGES))
    application_deadline = _when(_l("Applications close"))
    delivery_deadline = _when(_l("Notes due"))
    required_hashtags = StringField(
        _l("Required hashtags"),
        validators=[Length(max=500)],
        description=_l("Separated by spaces, e.g. #glowserum #skincare"),
    )
    required_mentions = StringField(
        _l("Required mentions"),
        validators=[Length(max=500)],
        description=_l("Accounts to mention, e.g. @glowlab"),
    )
    revision_rounds = StringField(_l("Revision rounds included"), validators=[Length(max=3)])
    review_window_days = StringField(
        _l("Review window (days)"),
        validators=[Length(max=3)],
        description=_l("Silence past the window approves the note."),
    )
    keep_live_days = StringField(_l("Keep-live period (days)"), validators=[Length(max=4)])
    attribution_days = StringField(
        _l("Attribution window (days)"),
        validators=[Length(max=3)],
        description=_l("Orders within this many days of a click on a note count for it (1–90)."),
    )
    usage_rights = TextAreaField(
        _l("Usage rights"),
        validators=[Length(max=2000)],
        description=_l("Scope and duration in plain words, e.g. organic reposts for 6 months."),
    )
    deliverable_kinds = StringField(
        _l("Deliverables per KOL"),
        validators=[Length(max=120)],
        description=_l(
            "Leave empty for one note. Several, e.g. “note, note, video”: each has its own due "
            "date and review, and approving one releases its share of the price."
        ),
        render_kw={"placeholder": "note, video"},
    )
    invite_only = BooleanField(
        _l("Invite-only"),
        description=_l("Only the KOLs you invite can see this campaign and bid on it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the currencies the platform's Stripe account settles in (configuration).
        self.currency.choices = options((c, c.upper()) for c in offered_currencies())


class InviteForm(FlaskForm):
    campaign_id = SelectField(_l("Campaign"), coerce=int, choices=[])
    message = TextAreaField(_l("Message (optional)"), validators=[Length(max=1000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=500)])


def form_data_for(campaign: Campaign | None, currency: str = "usd") -> dict[str, Any]:
    """What the form shows: a campaign's values in major units, or a new campaign's defaults."""
    if campaign is None:
        return {"currency": currency, "notes_wanted": "1", "revision_rounds": "2",
                "review_window_days": "3", "keep_live_days": "30", "min_followers": "0",
                "attribution_days": str(default_for("attribution_days")),
                "performance_days": "30", "return_days": "14"}  # fmt: skip
    data = {name: getattr(campaign, name) for name in _TEXT_FIELDS}
    data["content_format"] = str(campaign.content_format)
    data.update(terms_form_data(campaign, campaign.currency))
    data["invite_only"] = campaign.invite_only
    for name in ("budget", "price_min", "price_max"):
        data[name] = to_major_text(getattr(campaign, name), campaign.currency)
    for name in INT_RANGES:
        data[name] = str(getattr(campaign, name))
    for name in ("application_deadline", "delivery_deadline"):
        data[name] = to_local_input(getattr(campaign, name))
    for field, kind in TARGET_KINDS.items():
        data[field] = campaign.targets_of(kind)
    return data


def parse_when(text: str | None) -> datetime | None:
    """'2030-05-01T12:00' (or any ISO 8601) → an aware UTC datetime; without an offset it is the
    reader's local time (app/timezones.py)."""
    if not text or not text.strip():
        return None
    return from_local_input(text)


def campaign_values(form: CampaignForm) -> dict[str, Any]:
    """The service's values from the form: amounts typed in major units, dates in UTC."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {name: form[name].data for name in _TEXT_FIELDS}
    for name in ("budget", "price_min", "price_max"):
        values[name] = _major(form[name].data, form.currency.data, name, errors)
    for name in INT_RANGES:
        text = (form[name].data or "").strip()
        if text and not text.isdecimal():
            errors[name] = [_("Enter a whole number.")]
        values[name] = int(text) if text.isdecimal() else None
    for name in ("application_deadline", "delivery_deadline"):
        try:
            values[name] = parse_when(form[name].data)
        except ValueError:
            errors[name] = [_("Enter a date and time.")]
    for field in TARGET_KINDS:
        values[field] = list(form[field].data or [])
    values.update(terms_from_form(form, form.currency.data, errors))
    values["invite_only"] = bool(form.invite_only.data)
    if errors:
        raise ValidationFailed(errors)
    return values


def _major(text: str | None, currency: str, field: str, errors: dict) -> int | None:
    if not text or not text.strip():
        return None
    try:
        return parse_amount(text, currency)
    except MoneyError:
        errors[field] = [_("Enter an amount like 500 or 499.99 in the campaign's currency.")]
        return None


def _choice(args, name: str, allowed) -> str:
    value = (args.get(name) or "").strip()
    return value if value in allowed else ""


def _number(args, name: str, errors: dict, parse) -> int | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        value = parse(text)
    except (ValueError, MoneyError):
        errors[name] = [_("Enter a number.")]
        return None
    if value < 0:
        errors[name] = [_("Enter a number that is not negative.")]
        return None
    return value


def browse_filters(args, *, minor_units: bool, default_sort: str) -> BrowseFilters:
    """Filters from a query string; prices in major units on the web, minor in the API.

    Raises ValidationFailed naming the fields that are not understood."""
    errors: dict[str, list[str]] = {}
    currency = _choice(args, "currency", CURRENCIES)
    major = lambda t: parse_amount(t, currency or "usd")  # noqa: E731
    parse = int if minor_units else major
    zone = UTC if minor_units else reader_zone()  # the API speaks UTC; a page, the reader's zone
    text = (args.get("deadline_before") or "").strip()
    before = None
    try:
        if 0 < len(text) <= 10:  # a day: up to its end, where the reader lives
            before = datetime.combine(date.fromisoformat(text), time.max, zone).astimezone(UTC)
        elif text:
            before = from_local_input(text, zone)
    except ValueError:
        errors["deadline_before"] = [_("Enter a date like 2030-05-01.")]
    filters = BrowseFilters(
        q=(args.get("q") or "").strip()[:200],
        category=_choice(args, "category", CATEGORIES),
        content_format=_choice(args, "format", FORMATS),
        region=_choice(args, "region", COUNTRIES),
        currency=currency,
        price_min=_number(args, "price_min", errors, parse),
        price_max=_number(args, "price_max", errors, parse),
        deadline_before=before,
        sort=_choice(args, "sort", SORTS) or default_sort,
    )
    if (filters.price_min is not None or filters.price_max is not None) and not currency:
        errors["currency"] = [_("Choose the currency of the price range.")]
    if errors:
        raise ValidationFailed(errors)
    return filters


def kol_filters(args) -> KolFilters:
    """The brand's KOL search filters; what cannot be understood raises ValidationFailed."""
    errors: dict[str, list[str]] = {}
    currency = _choice(args, "currency", CURRENCIES)
    filters = KolFilters(
        q=(args.get("q") or "").strip()[:120],
        niche=_choice(args, "niche", CATEGORIES),
        tier=_choice(args, "tier", TIER_LABELS),
        region=_choice(args, "region", COUNTRIES),
        language=_choice(args, "language", LANGUAGES),
        followers_min=_number(args, "followers_min", errors, int),
        followers_max=_number(args, "followers_max", errors, int),
        currency=currency,
        price_max=_number(args, "price_max", errors, lambda t: parse_amount(t, currency or "usd")),
        content_format=_choice(args, "format", FORMATS) or "image",
        rating_min=_number(args, "rating_min", errors, int),
        sort=_choice(args, "sort", KOL_SORTS) or "relevance",
    )
    if filters.price_max is not None and not currency:
        errors["currency"] = [_("Choose the currency of the price.")]
    if errors:
        raise ValidationFailed(errors)
    return filters
