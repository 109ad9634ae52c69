"""Uploaded images: checked by content and size, re-encoded without metadata, random names."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app.errors import ValidationFailed

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 4096


def upload_root(private: bool = False) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / ("private" if private else "public")
    root.mkdir(parents=True, exist_ok=True)
    return root


def save_image(upload: FileStorage, *, field: str, private: bool = False) -> str:
    """Validate and re-encode an image; returns its new random file name."""
    data = upload.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
    if len(data) > current_app.config["MAX_IMAGE_BYTES"]:
        limit_mb = current_app.config["MAX_IMAGE_BYTES"] // (1024 * 1024)
        raise ValidationFailed({field: [_("The image is larger than %(n)d MB.", n=limit_mb)]})
    image = _open_checked(data, field)
    extension = ALLOWED_FORMATS[image.format]
    image = _strip(image)
    name = f"{secrets.token_urlsafe(18)}.{extension}"
    buffer = io.BytesIO()
    save_format = "JPEG" if extension == "jpg" else image.format or extension.upper()
    if save_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buffer, format=save_format, quality=88)
    (upload_root(private) / name).write_bytes(buffer.getvalue())
    return name


def _open_checked(data: bytes, field: str) -> Image.Image:
    refused = ValidationFailed({field: [_("Upload a JPEG, PNG or WebP image.")]})
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.format not in ALLOWED_FORMATS:
            raise refused
        if probe.width * probe.height > MAX_PIXELS:
            raise ValidationFailed({field: [_("The image has too many pixels.")]})
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    return image


def _strip(image: Image.Image) -> Image.Image:
    """A copy with pixels only: EXIF (GPS, camera serials) and other metadata dropped."""
    fmt = image.format
    if image.mode == "P":
        image = image.convert("RGBA")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.format = fmt
    return clean
