"""The declared shape of a stored image in the API: its original and each size the pages use
(app/media.py ``SIZES``), with URLs on the app's /media or on the media store's public address
(MEDIA_STORE, docs/operations.md "Media")."""

from __future__ import annotations

from marshmallow import Schema, fields

from app import media

_PIXELS = "Pixels; null for an image stored before sizes were recorded"


class ImageSize(Schema):
    url = fields.String(required=True)
    width = fields.Integer(required=True, allow_none=True, metadata={"description": _PIXELS})
    height = fields.Integer(required=True, allow_none=True, metadata={"description": _PIXELS})


_SIZE_NOTES = {
    "thumb": "Grids and cards: fits 360 × 720",
    "feed": "A phone-wide column: fits 720 × 1440",
    "large": "The note page: fits 1440 × 2880",
    "avatar": "A 160 × 160 square crop",
}

ImageSizes = Schema.from_dict(
    {
        size: fields.Nested(
            ImageSize, required=True, metadata={"description": _SIZE_NOTES.get(size, size)}
        )
        for size in media.SIZES
    },
    name="ImageSizes",
)


class StoredImageSchema(ImageSize):
    """The original (``url``, never enlarged beyond 4096 px) and its sizes, never larger than
    it."""

    sizes = fields.Nested(ImageSizes, required=True)
