"""The declared shapes of /api/v1/campaigns: what a brand sends, what the API answers.

The whole-number limits are the services' own (``INT_RANGES``), so the document, the validation
and the web form cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from app.api.media_schemas import StoredImageSchema
from app.api.outcome_schemas import TermsInput, TermsSchema
from app.api.schemas import (
    PageArgs,
    StrictBoolean,
    StrictInteger,
    amount,
    page_of,
    text,
)
from app.campaigns.queries import SORTS
from app.campaigns.values import INT_RANGES
from app.catalog import CATEGORIES, COUNTRIES
from app.contracts.deliverables import MAX_DELIVERABLES
from app.contracts.models import DeliverableKind
from app.money import CURRENCIES

FORMATS = ("image", "video")
STATUSES = ("draft", "open", "closed", "completed", "cancelled")


def _whole(name: str, **kwargs) -> StrictInteger:
    low, high = INT_RANGES[name]
    return StrictInteger(validate=validate.Range(min=low, max=high), **kwargs)


def _words(max_length: int, description: str) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(max=max_length)),
        validate=validate.Length(max=50),
        metadata={"description": description},
    )


def _when(description: str) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=UTC, metadata={"description": description})


class CampaignInput(TermsInput):
    """A draft's fields. PATCH takes any subset. Amounts in minor units; datetimes ISO 8601,
    UTC when no offset is given."""

    title = text(140)
    brief = text(20_000, metadata={"description": "Markdown; shown sanitised"})
    product_name = text(140)
    product_url = text(500, metadata={"description": "http or https", "format": "uri"})
    category = fields.String(validate=validate.OneOf(sorted(CATEGORIES)))
    content_format = fields.String(validate=validate.OneOf(FORMATS))
    notes_wanted = _whole("notes_wanted")
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCIES)))
    budget = amount()
    price_min = amount(minimum=0, metadata={"description": "Minor units; 0 only with a cap"})
    price_max = amount(minimum=0, metadata={"description": "Minor units; 0 only with a cap"})
    min_followers = _whole("min_followers", metadata={"default": 0})
    niches = _words(16, "Category codes")
    tiers = _words(16, "nano, micro, mid, macro, mega")
    regions = _words(16, "Country codes")
    languages = _words(16, "Language codes")
    application_deadline = _when("Applications close")
    delivery_deadline = _when("Notes are due")
    required_hashtags = _words(60, "Letters, digits and _; the # is optional")
    required_mentions = _words(60, "Letters, digits, . _ -; the @ is optional")
    revision_rounds = _whole("revision_rounds", metadata={"default": 2})
    review_window_days = _whole(
        "review_window_days",
        metadata={"default": 3, "description": "Silence past this many days approves a note"},
    )
    keep_live_days = _whole(
        "keep_live_days",
        metadata={"default": 30, "description": "Days a note must stay live after release"},
    )
    attribution_days = _whole(
        "attribution_days",
        metadata={
            "description": "Orders within this many days of a click on a note are attributed "
            "to it (default: the ANALYTICS_ATTRIBUTION_DAYS setting, 7)"
        },
    )
    usage_rights = text(2000)
    deliverable_kinds = fields.List(
        fields.String(validate=validate.OneOf([k.value for k in DeliverableKind])),
        validate=validate.Length(max=MAX_DELIVERABLES),
        metadata={
            "description": 'What each contract delivers, in order (e.g. ["note", "video"]): '
            "each deliverable has its own due date and review, and approving it releases its "
            "share of the price. Empty: one note in content_format."
        },
    )
    invite_only = StrictBoolean(
        metadata={"default": False, "description": "Only invited KOLs see it and may bid"}
    )


class CampaignQuery(PageArgs):
    q = text(200, metadata={"description": "Full-text search on title and brief"})
    category = fields.String(validate=validate.OneOf(sorted(CATEGORIES)))
    format = fields.String(validate=validate.OneOf(FORMATS))
    region = fields.String(
        validate=validate.OneOf(sorted(COUNTRIES)),
        metadata={"description": "Campaigns aimed at this country or at every region"},
    )
    currency = fields.String(
        validate=validate.OneOf(sorted(CURRENCIES)),
        metadata={"description": "Currency of price_min/price_max (required with them)"},
    )
    price_min = fields.Integer(
        validate=validate.Range(min=0), metadata={"description": "Pays at least (minor units)"}
    )
    price_max = fields.Integer(
        validate=validate.Range(min=0), metadata={"description": "Starts at most (minor units)"}
    )
    deadline_before = fields.String(
        metadata={"description": "Applications close by (ISO date or date-time)"}
    )
    sort = fields.String(
        validate=validate.OneOf(sorted(SORTS)),
        metadata={"description": "fits (KOLs, default), newest, price, closing"},
    )


class CampaignFit(Schema):
    """Present when the caller is a KOL: whether they may bid, and why."""

    qualifies = fields.Boolean(required=True)
    score = fields.Integer(required=True)
    reasons = fields.List(fields.String(), required=True)
    blockers = fields.List(fields.String(), required=True)


def _stamp(**kwargs) -> fields.String:
    return fields.String(metadata={"format": "date-time"}, **kwargs)


class CampaignSchema(TermsSchema):
    id = fields.Integer(required=True)
    brand_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    title = fields.String(required=True)
    brief = fields.String(required=True)
    brief_html = fields.String(required=True)
    product_name = fields.String(required=True)
    product_url = fields.String(required=True)
    cover_image_url = fields.String(
        required=True, allow_none=True, metadata={"description": "The original cover"}
    )
    cover_image = fields.Nested(
        StoredImageSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The cover's pixels and every size (lists use thumb)"},
    )
    category = fields.String(required=True)
    content_format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    notes_wanted = fields.Integer(required=True)
    currency = fields.String(required=True)
    budget = fields.Integer(required=True)
    price_min = fields.Integer(required=True)
    price_max = fields.Integer(required=True)
    committed_amount = fields.Integer(required=True)
    committed_notes = fields.Integer(required=True)
    min_followers = fields.Integer(required=True)
    niches = fields.List(fields.String(), required=True)
    tiers = fields.List(fields.String(), required=True)
    regions = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    required_hashtags = fields.List(fields.String(), required=True)
    required_mentions = fields.List(fields.String(), required=True)
    revision_rounds = fields.Integer(required=True)
    review_window_days = fields.Integer(required=True)
    keep_live_days = fields.Integer(required=True)
    attribution_days = fields.Integer(required=True)
    usage_rights = fields.String(required=True)
    deliverable_kinds = fields.List(
        fields.String(), required=True, metadata={"description": "At least one: note | video"}
    )
    invite_only = fields.Boolean(required=True)
    application_deadline = _stamp(required=True, allow_none=True)
    delivery_deadline = _stamp(required=True, allow_none=True)
    created_at = _stamp(required=True)
    published_at = _stamp(required=True, allow_none=True)
    fit = fields.Nested(CampaignFit)


CampaignList = page_of(CampaignSchema, "CampaignList")
