"""The declared shapes of /api/v1/kols (search), /api/v1/shortlists and invitations.

The search filters are *Find KOLs*'s own (app/campaigns/discovery.py ``KolFilters``), with the
rate ceiling in minor units as every amount in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import MAX_PER_PAGE, StrictInteger, StrictSchema, page_of, text
from app.campaigns.discovery import KOL_SORTS
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, TIER_LABELS
from app.db_types import MAX_ID
from app.money import CURRENCIES, MAX_MINOR_AMOUNT
from app.shortlists.services import NAME_MAX

FORMATS = ("image", "video")


class KolQuery(StrictSchema):
    """The filters of *Find KOLs*; pages by cursor only (``next_cursor`` of the last page)."""

    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    cursor = text(400, metadata={"description": "next_cursor of the previous page"})
    q = text(120, metadata={"description": "Words of the name or bio (Chinese too)"})
    niche = fields.String(validate=validate.OneOf(sorted(CATEGORIES)))
    tier = fields.String(validate=validate.OneOf(list(TIER_LABELS)))
    region = fields.String(validate=validate.OneOf(sorted(COUNTRIES)))
    language = fields.String(validate=validate.OneOf(sorted(LANGUAGES)))
    followers_min = fields.Integer(validate=validate.Range(min=0, max=2**53))
    followers_max = fields.Integer(validate=validate.Range(min=0, max=2**53))
    currency = fields.String(
        validate=validate.OneOf(sorted(CURRENCIES)),
        metadata={"description": "Currency of price_max (required with it)"},
    )
    price_max = fields.Integer(
        validate=validate.Range(min=0, max=MAX_MINOR_AMOUNT),
        metadata={"description": "The rate for the chosen format is at most (minor units)"},
    )
    format = fields.String(validate=validate.OneOf(FORMATS), metadata={"default": "image"})
    rating_min = fields.Integer(validate=validate.Range(min=1, max=5))
    sort = fields.String(
        validate=validate.OneOf(KOL_SORTS),
        metadata={"description": "relevance (default), followers, rating, reliability"},
    )


class KolResult(Schema):
    """A verified KOL as *Find KOLs* shows them: the public profile and the track record."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    avatar_url = fields.String(required=True, allow_none=True)
    tier = fields.String(required=True)
    region = fields.String(required=True, allow_none=True)
    niches = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    followers = fields.Integer(required=True, metadata={"description": "Checked by an admin"})
    verified = fields.Boolean(required=True)
    rate_currency = fields.String(required=True)
    rate_image = fields.Integer(required=True, metadata={"description": "Minor units; 0: none"})
    rate_video = fields.Integer(required=True, metadata={"description": "Minor units; 0: none"})
    rating = fields.Float(required=True, allow_none=True)
    ratings = fields.Integer(required=True)
    completed = fields.Integer(required=True, metadata={"description": "Completed deals"})
    reliability = fields.Integer(
        required=True, allow_none=True, metadata={"description": "0–100; null: no history yet"}
    )


KolResultList = page_of(KolResult, "KolResultList")


class ShortlistInput(StrictSchema):
    """Fields the services check (after the shortlist's owner): missing is a 422 naming it."""

    name = text(NAME_MAX, metadata={"description": "Required; unique among your shortlists"})


class ShortlistSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    kol_ids = fields.List(fields.Integer(), required=True)
    kols = fields.List(
        fields.Nested(KolResult),
        metadata={"description": "The KOLs side by side (on a single shortlist only)"},
    )


ShortlistList = page_of(ShortlistSchema, "ShortlistList")


class InviteInput(StrictSchema):
    campaign_id = StrictInteger(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Required: one of your open campaigns"},
    )
    message = text(1000)


class InviteKolInput(StrictSchema):
    kol_id = StrictInteger(
        validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "Required"}
    )
    message = text(1000)


class BulkInvitationSchema(Schema):
    campaign_id = fields.Integer(required=True)
    invited = fields.List(fields.Integer(), required=True, metadata={"description": "Now"})
    already_invited = fields.List(
        fields.Integer(), required=True, metadata={"description": "Before: not again"}
    )
    not_verified = fields.List(
        fields.Integer(), required=True, metadata={"description": "No longer verified"}
    )


class InvitationSchema(Schema):
    id = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True)
    campaign_title = fields.String(required=True)
    kol_id = fields.Integer(required=True)
    message = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


InvitationList = page_of(InvitationSchema, "InvitationList")
