"""Uploaded images: checked by content and size, re-encoded without metadata; public ones are
named by their content and resized into the pages' sizes (app/media.py), private ones get
random names."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app import media, media_store
from app.errors import ValidationFailed

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Every name the app stores: a random token or a content hash (public images, app/media.py)
# and one of these extensions (images re-encoded here, videos in app/notes/media.py, PDFs in
# app/contracts/services.py). /media serves only
# these, so nothing placed in the upload folder by other means is ever served as a page.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{16,64}\.(?:jpg|png|webp|mp4|mov|webm|pdf)")
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 4096


def upload_root(private: bool = False) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / ("private" if private else "public")
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass(frozen=True)
class StoredImage:
    name: str
    width: int
    height: int


def save_image(upload: FileStorage, *, field: str, private: bool = False) -> str:
    """Validate and re-encode an image; returns its stored file name."""
    return store_image(upload, field=field, private=private).name


def store_image(upload: FileStorage, *, field: str, private: bool = False) -> StoredImage:
    """Validate, re-encode and store an image once; a public one also in every size."""
    data = upload.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
    if len(data) > current_app.config["MAX_IMAGE_BYTES"]:
        limit_mb = current_app.config["MAX_IMAGE_BYTES"] // (1024 * 1024)
        raise ValidationFailed({field: [_("The image is larger than %(n)d MB.", n=limit_mb)]})
    image = _open_checked(data, field)
    extension = ALLOWED_FORMATS[image.format]
    image = _strip(image)
    buffer = io.BytesIO()
    save_format = "JPEG" if extension == "jpg" else image.format or extension.upper()
    if save_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buffer, format=save_format, quality=88)
    encoded = buffer.getvalue()
    if private:  # never guessable from the content: a random name; always on the app's disk
        name = f"{secrets.token_urlsafe(18)}.{extension}"
        media_store.LocalStore(upload_root(private=True)).put_bytes(name, encoded)
        return StoredImage(name, image.width, image.height)
    name = media.content_name(encoded, extension)
    target = media_store.store()
    if target.kind == "local":  # sizes as hard links where they equal the original
        root = upload_root()
        if not (root / name).exists():
            target.put_bytes(name, encoded)
        media.make_sizes(image, name, root)
    else:
        target.put_bytes(name, encoded)
        media.put_sizes(image, name, encoded, target)
    return StoredImage(name, image.width, image.height)


def _open_checked(data: bytes, field: str) -> Image.Image:
    refused = ValidationFailed({field: [_("Upload a JPEG, PNG or WebP image.")]})
    too_big = ValidationFailed({field: [_("The image has too many pixels.")]})
    try:
        probe = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # Pillow's own ceiling, checked on the header
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refused from None
    try:
        if probe.format not in ALLOWED_FORMATS:
            raise refused
        if probe.width * probe.height > MAX_PIXELS:
            raise too_big
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    return image


def _strip(image: Image.Image) -> Image.Image:
    """A copy with pixels only: EXIF (GPS, camera serials) and other metadata dropped."""
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # turn the pixels upright before EXIF goes
    if image.mode == "P":
        image = image.convert("RGBA")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.format = fmt
    return clean
