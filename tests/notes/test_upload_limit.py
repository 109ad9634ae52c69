"""The note editor's video-sized body limit is for the KOL who owns the contract only (issue
27): anyone else who sends a body past MAX_CONTENT_LENGTH to the editor's URL is refused (413)
before a byte of it is read, so no one can make the server read 100 MB by asking."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app.contracts.models import Contract
from app.extensions import db
from app.notes.models import Note
from app.uploads import upload_root
from tests.conftest import csrf_token, signed_in
from tests.factories import make_kol, make_user
from tests.notes.support import GOOD_TEXT, MP4_HEAD, funded_contract

BOUNDARY = "----upload"
FILE_PART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="video_file"; filename="v.mp4"\r\n'
    "Content-Type: video/mp4\r\n\r\n"
).encode()


class CountingBody(io.RawIOBase):
    """A multipart body of ``size`` bytes (one video file of zeros, made as it is read) that
    counts what was read (seekable: the test client measures a body by seeking to its end)."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        chunk = FILE_PART[self.position : self.position + count]
        buffer[:count] = chunk + b"\0" * (count - len(chunk))
        self.position += count
        self.read_bytes += count
        return count


def _send_large_body(app, client, contract_id: int) -> tuple[int, int]:
    """POST a body one byte past MAX_CONTENT_LENGTH to the editor: (status, bytes read)."""
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    assert size <= app.config["MAX_VIDEO_BYTES"]  # the owner would be allowed to send it
    body = CountingBody(size)
    response = client.post(
        f"/contracts/{contract_id}/note",
        input_stream=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    return response.status_code, body.read_bytes


@pytest.mark.parametrize("caller", ["visitor", "brand of the contract", "brand", "another KOL"])
def test_a_large_body_from_anyone_but_the_owner_is_refused_unread(app, caller):
    contract = funded_contract(content_format="video")
    users = {
        "brand of the contract": lambda: db.session.get(Contract, contract.id).brand_id,
        "brand": lambda: make_user("brand"),
        "another KOL": lambda: make_kol(verified=True),
    }
    client = signed_in(app, users[caller]()) if caller in users else app.test_client()
    status, read = _send_large_body(app, client, contract.id)
    assert (status, read) == (413, 0)


def test_the_owner_still_uploads_a_video_past_the_global_limit(app):
    contract = funded_contract(content_format="video")
    client = signed_in(app, contract.kol_id)
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4000  # stands in for 16 MB
    try:
        token = csrf_token(client, f"/contracts/{contract.id}/note")
        video = (io.BytesIO(MP4_HEAD + b"\0" * 6000), "clip.mp4")
        data = {**GOOD_TEXT, "video_file": video, "csrf_token": token}
        response = client.post(
            f"/contracts/{contract.id}/note", data=data, content_type="multipart/form-data"
        )
        other = make_kol(verified=True)
        denied = _send_large_body(app, signed_in(app, other), contract.id)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous
    assert response.status_code == 302
    note = db.session.scalar(select(Note).where(Note.contract_id == contract.id))
    assert (Path(upload_root()) / note.video_file).stat().st_size == len(MP4_HEAD) + 6000
    assert denied == (413, 0)
