"""Note videos: recognised by their container's magic bytes, size-limited, random names."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.errors import ValidationFailed
from app.uploads import upload_root

EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska / WebM
CHUNK = 1024 * 1024


def video_extension(head: bytes) -> str | None:
    """The file extension for a video's first bytes, or None when it is no MP4/MOV/WebM."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head[:4] == EBML_MAGIC:
        return "webm"
    return None


def save_video(upload: FileStorage, *, field: str) -> str:
    """Check and store an uploaded video under a random name; returns the name."""
    limit = current_app.config["MAX_VIDEO_BYTES"]
    head = upload.stream.read(16)
    extension = video_extension(head)
    if extension is None:
        raise ValidationFailed({field: [_("Upload an MP4, MOV or WebM video.")]})
    name = f"{secrets.token_urlsafe(18)}.{extension}"
    path = upload_root() / name
    size = len(head)
    with path.open("wb") as out:
        out.write(head)
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        raise ValidationFailed(
            {field: [_("The video is larger than %(n)d MB.", n=limit // (1024 * 1024))]}
        )
    return name
