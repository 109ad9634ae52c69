"""Note videos: recognised by their container's magic bytes, size-limited, random names; and the
sizes of note images stored before sizes existed."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app import media, media_store
from app.errors import ValidationFailed
from app.extensions import db
from app.notes.models import NoteImage
from app.uploads import STORED_NAME, upload_root

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
    media_store.store().put_file(name, path)  # to the bucket (MEDIA_STORE=s3), or left here
    return name


def backfill_image_sizes() -> tuple[int, int]:
    """Measure note images with no recorded pixels and write their sizes (idempotent: rows
    done are skipped next time); returns (measured, files missing). Reads the originals from
    the media store (MEDIA_STORE): the disk, or the bucket."""
    done = missing = 0
    rows = db.session.scalars(select(NoteImage).where(NoteImage.width.is_(None))).all()
    for image in rows:
        found = media.measure_and_size(image.file) if STORED_NAME.fullmatch(image.file) else None
        if found is None:
            missing += 1
            continue
        image.width, image.height = found.width, found.height
        done += 1
    return done, missing
