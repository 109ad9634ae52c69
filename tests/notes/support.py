"""Builders for the notes tests: funded contracts, images, videos, notes in each status."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from werkzeug.datastructures import FileStorage

from app.db_types import utcnow
from app.extensions import db
from app.notes import services
from app.notes.models import Note, NoteStatus
from tests.factories import make_deal

GOOD_TEXT = {
    "title": "My glow routine",
    "body": "Three weeks with the serum. #ad",
    "hashtags": "#glowserum #skincare",
}


def png_bytes(size=(40, 30), color=(255, 36, 66)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x0110] = "Model X"
    Image.new("RGB", (50, 40), (10, 200, 10)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"


def funded_contract(*, brand=None, kol=None, content_format="image", **campaign_overrides):
    """A funded contract on a fresh campaign (inserted as funded: no payment is driven)."""
    from app.campaigns.models import ContentFormat

    deal = make_deal(
        "funded",
        brand=brand,
        kol=kol,
        content_format=ContentFormat(content_format),
        **campaign_overrides,
    )
    return deal.contract


def draft_note(contract, *, images: int = 1, **fields) -> Note:
    values = {**GOOD_TEXT, **fields}
    note = services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        new_images=[upload(png_bytes()) for _ in range(images)],
        **values,
    )
    db.session.commit()
    return note


def submitted_note(contract, **fields) -> Note:
    note = draft_note(contract, **fields)
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    return note


def published_note(contract=None, **fields) -> Note:
    contract = contract or funded_contract()
    note = submitted_note(contract, **fields)
    services.approve_note(note_id=note.id, brand_id=contract.brand_id)
    db.session.commit()
    return note


def live_note(contract) -> Note:
    """A published note on an already approved contract, inserted as the notes feature would
    leave it (for money tests that only need a live note at the keep-live check)."""
    note = Note(
        contract_id=contract.id,
        campaign_id=contract.campaign_id,
        kol_id=contract.kol_id,
        brand_id=contract.brand_id,
        category="beauty",
        title="t",
        body="b",
        tracking_code=f"tc{contract.id}x",
        status=NoteStatus.PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(note)
    db.session.commit()
    return note


def end_keep_live(contract) -> None:
    contract.keep_live_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
