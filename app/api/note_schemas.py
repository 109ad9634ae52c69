"""The declared shapes of /api/v1 notes and the public feed."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.api.media_schemas import StoredImageSchema
from app.api.schemas import CursorPageArgs, StrictSchema, page_of, text
from app.catalog import CATEGORIES
from app.contracts.deliverables import MAX_DELIVERABLES
from app.notes.models import NoteStatus
from app.notes.queries import TABS

MAX_FEED_PAGE = 50
HASHTAGS_MAX = 1000


class Hashtags(fields.Field):
    """Space-separated text or a list of tags; stored space-separated (1000 characters)."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if not isinstance(value, str):
            raise ValidationError("Send a string or a list of strings.")
        if len(value) > HASHTAGS_MAX:
            raise ValidationError(f"Longer than maximum length {HASHTAGS_MAX}.")
        return value


class NoteDraft(StrictSchema):
    """Omitted fields keep their current value. Images and video files are uploaded in the web
    editor only (they are checked and re-encoded there)."""

    title = text(140)
    body = text(20_000)
    hashtags = Hashtags(
        metadata={
            "oneOf": [
                {"type": "string", "maxLength": HASHTAGS_MAX, "description": "Space-separated"},
                {"type": "array", "items": {"type": "string"}},
            ]
        }
    )
    video_url = text(500, allow_none=True, metadata={"description": "http(s) link"})
    position = fields.Integer(
        load_default=1,
        validate=validate.Range(1, MAX_DELIVERABLES),
        metadata={"description": "Which of the contract's deliverables (1 is the first)"},
    )


class ChangeRequest(StrictSchema):
    """Both fields are needed; the services say so (a 422 naming them) after the caller's access
    to the note is checked, so a stranger learns nothing from the answer."""

    comment = text(4000, load_default="")
    brief_item = text(
        200,
        load_default="",
        metadata={
            "description": "A required hashtag or mention of the campaign, or brief, images "
            "(video for video notes), disclosure, other"
        },
    )


class FeedQuery(CursorPageArgs):  # the cursor: the Latest tab without q
    per_page = fields.Integer(load_default=24, validate=validate.Range(min=1, max=MAX_FEED_PAGE))
    tab = fields.String(load_default="latest", validate=validate.OneOf(sorted(TABS)))
    q = text(100)
    category = fields.String(validate=validate.OneOf(sorted(CATEGORIES)))


class NoteSchema(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    deliverable_id = fields.Integer(
        required=True, metadata={"description": "The contract's deliverable it delivers"}
    )
    campaign_id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    brand_id = fields.Integer(required=True)
    category = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in NoteStatus]))
    revision = fields.Integer(required=True, metadata={"description": "Submissions so far"})
    title = fields.String(required=True)
    body = fields.String(
        required=True, metadata={"description": "Markdown as written (sanitised when shown)"}
    )
    hashtags = fields.List(fields.String(), required=True)
    images = fields.List(
        fields.String(), required=True, metadata={"description": "Image URLs (the originals)"}
    )
    image_sizes = fields.List(
        fields.Nested(StoredImageSchema),
        required=True,
        metadata={
            "description": "The same images in order, each with its pixels and the URL, "
            "width and height of every size (thumb, feed, large, avatar): use the smallest "
            "that fills your layout"
        },
    )
    video_url = fields.String(required=True, allow_none=True)
    external_url = fields.String(
        required=True, allow_none=True, metadata={"description": "Unverified"}
    )
    url = fields.String(
        required=True, allow_none=True, metadata={"description": "Public page when published"}
    )
    product_link = fields.String(
        required=True, allow_none=True, metadata={"description": "Tracked link"}
    )
    published_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


NotePage = page_of(NoteSchema, "NotePage")


class RelatedQuery(StrictSchema):
    limit = fields.Integer(
        load_default=6,
        validate=validate.Range(min=1, max=12),
        metadata={"description": "How many notes (1–12)"},
    )


class RelatedNotes(Schema):
    items = fields.List(fields.Nested(NoteSchema), required=True)
