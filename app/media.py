"""Uploaded media served as a photo platform serves it.

An image is stored once, under a name made of its content's hash (the same picture uploaded
twice is one file), and resized into the sizes the pages use: ``thumb`` for grids, ``feed``
for a phone-wide column, ``large`` for the note page, ``avatar`` (a square crop). Because a
name never changes meaning, every public file is sent with a year-long ``immutable`` cache
header. Sizes missing on disk (images uploaded before sizes existed) are made on their first
request. Files are sent by the front proxy when ``MEDIA_ACCEL_REDIRECT`` names its internal
location (nginx ``X-Accel-Redirect``: Python only checks the name), otherwise by werkzeug with
HTTP Range support (``206 Partial Content``: video seeking).
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_from_directory
from PIL import Image, ImageOps

from app import media_store

IMMUTABLE = media_store.IMMUTABLE
PRIVATE = "private, no-store"
IMAGE_EXTENSIONS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


@dataclass(frozen=True)
class Size:
    width: int
    height: int  # a bounding box; ``crop`` fills it exactly instead
    crop: bool = False


SIZES = {
    "thumb": Size(360, 720),
    "feed": Size(720, 1440),
    "large": Size(1440, 2880),
    "avatar": Size(160, 160, crop=True),
}


def content_name(data: bytes, extension: str) -> str:
    """The file name of ``data``: 32 characters of its SHA-256 (URL-safe base64)."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    return f"{digest[:32]}.{extension}"


def fitted(width: int, height: int, size: str) -> tuple[int, int]:
    """The dimensions of an image of ``width`` × ``height`` in ``size`` (never enlarged)."""
    box = SIZES[size]
    if box.crop:
        return box.width, box.height
    scale = min(box.width / width, box.height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resized(image: Image.Image, size: str) -> Image.Image:
    box = SIZES[size]
    target = fitted(image.width, image.height, size)
    if box.crop:
        return ImageOps.fit(image, target, Image.Resampling.LANCZOS)
    if target == image.size:
        return image
    return image.resize(target, Image.Resampling.LANCZOS)


def encoded(image: Image.Image, extension: str) -> bytes:
    """``image`` as the bytes of a file with ``extension``."""
    save_format = IMAGE_EXTENSIONS[extension]
    if save_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=save_format, quality=82)
    return buffer.getvalue()


def _write_atomically(path: Path, image: Image.Image, extension: str) -> None:
    """A reader never sees half a file: written beside it, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    temporary.write_bytes(encoded(image, extension))
    os.replace(temporary, path)


def make_sizes(image: Image.Image, name: str, root: Path) -> None:
    """Write every size of ``image`` (stored as ``root/name``) that is not on disk yet; a size
    no smaller than the original is a hard link to it (stored once)."""
    extension = name.rsplit(".", 1)[1]
    for size in SIZES:
        path = root / size / name
        if path.exists():
            continue
        if not SIZES[size].crop and fitted(image.width, image.height, size) == image.size:
            _link_atomically(root / name, path)
        else:
            _write_atomically(path, resized(image, size), extension)


def put_sizes(image: Image.Image, name: str, original: bytes, target: media_store.Store) -> None:
    """Every size of ``image`` (stored as ``name``, whose bytes are ``original``) written to an
    object store; a size no smaller than the original is a copy of its bytes."""
    extension = name.rsplit(".", 1)[1]
    for size in SIZES:
        same = not SIZES[size].crop and fitted(image.width, image.height, size) == image.size
        data = original if same else encoded(resized(image, size), extension)
        target.put_bytes(f"{size}/{name}", data)


def measure_and_size(name: str) -> ImageSize | None:
    """The pixels of the stored public image ``name`` (None when it is missing or unreadable),
    every size of it made in the store on the way (the disk or the bucket)."""
    target = media_store.store()
    data = target.read(name)
    found = original_size(io.BytesIO(data)) if data else None
    if found is None:
        return None
    if isinstance(target, media_store.LocalStore):
        for size in SIZES:
            sized_path(target.root, name, size)
    else:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            put_sizes(picture, name, data, target)
    return found


def _link_atomically(original: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        os.link(original, temporary)
    except OSError:  # a file system without hard links
        shutil.copyfile(original, temporary)
    os.replace(temporary, path)


def sized_path(root: Path, name: str, size: str) -> Path | None:
    """``root/size/name``, made from the original when missing; None when there is no such
    image (unknown size, not an image, no original)."""
    extension = name.rsplit(".", 1)[-1]
    if size not in SIZES or extension not in IMAGE_EXTENSIONS:
        return None
    path = root / size / name
    if path.exists():
        return path
    original = root / name
    if not original.is_file():
        return None
    with Image.open(original) as image:
        image.load()
        _write_atomically(path, resized(image, size), extension)
    return path


def send(root: Path, relative: str, *, cache: str) -> Response:
    """The file ``root/relative`` (already checked to exist or to be a stored name)."""
    accel = current_app.config["MEDIA_ACCEL_REDIRECT"]
    if accel:
        upload_dir = Path(current_app.config["UPLOAD_DIR"]).resolve()
        inside = (root / relative).resolve().relative_to(upload_dir).as_posix()
        mimetype = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        response = Response(b"", mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{inside}"
    else:
        response = send_from_directory(root, relative, conditional=True)
        response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = cache
    return response


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int


def original_size(path: Path | BinaryIO) -> ImageSize | None:
    """The stored image's dimensions from its header (no decoding), None when unreadable."""
    try:
        with Image.open(path) as image:
            return ImageSize(image.width, image.height)
    except (OSError, ValueError):
        return None


def image_json(name: str, width: int | None, height: int | None, **url) -> dict:
    """A stored public image for the API: the original's URL and pixels, and each size's
    (pixels null when the original's are unknown)."""
    sizes = {}
    for size in SIZES:
        w, h = fitted(width, height, size) if width and height else (None, None)
        sizes[size] = {"url": media_store.public_url(name, size, **url), "width": w, "height": h}
    return {
        "url": media_store.public_url(name, **url),
        "width": width or None,
        "height": height or None,
        "sizes": sizes,
    }
