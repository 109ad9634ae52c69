"""The KOL writes a draft: text, checked images (1–9, reordered, removed), videos by magic bytes."""

import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from app.contracts.models import ContractStatus
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.notes import services
from app.notes.checks import slugify
from app.notes.media import video_extension
from app.notes.models import Note, NoteStatus
from app.status import history
from app.uploads import STORED_NAME, upload_root
from tests.conftest import post_form, sign_in
from tests.factories import make_contract, make_kol, make_user
from tests.notes.support import (
    GOOD_TEXT,
    MOV_HEAD,
    MP4_HEAD,
    WEBM_HEAD,
    draft_note,
    funded_contract,
    jpeg_with_exif,
    png_bytes,
    upload,
)


def test_kol_saves_a_draft_with_images_in_the_editor(client):
    contract = funded_contract()
    sign_in(client, contract.kol_id)
    url = f"/contracts/{contract.id}/note"
    assert client.get(url).status_code == 200
    data = {
        **GOOD_TEXT,
        "images": [(io.BytesIO(png_bytes()), "a.png"), (io.BytesIO(png_bytes()), "b.png")],
    }
    response = post_form(client, url, data, content_type="multipart/form-data")
    assert response.status_code == 302
    note = db.session.scalar(select(Note).where(Note.contract_id == contract.id))
    assert note.status == NoteStatus.DRAFT
    assert (note.title, note.hashtags) == ("My glow routine", "#glowserum #skincare")
    assert [i.position for i in note.images] == [1, 2]
    # Stored under random names of our own, never the uploaded ones ("a.png", "b.png").
    assert all(STORED_NAME.fullmatch(i.file.rsplit("/", 1)[-1]) for i in note.images)
    assert {i.file.rsplit("/", 1)[-1] for i in note.images}.isdisjoint({"a.png", "b.png"})
    assert note.slug == "my-glow-routine"
    assert len(note.tracking_code) == 10
    assert [c.to_status for c in history("note", note.id)] == ["draft"]
    page = client.get(url).get_data(as_text=True)
    assert "Draft saved." in page and "Submit for review" in page


def test_one_note_per_contract_second_save_updates_it():
    contract = funded_contract()
    first = draft_note(contract)
    second = draft_note(contract, images=0, title="Better title")
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Note.id))) == 1
    assert second.title == "Better title" and len(second.images) == 1


def test_a_text_file_named_png_is_refused_and_nothing_is_written(client):
    contract = funded_contract()
    sign_in(client, contract.kol_id)
    data = {**GOOD_TEXT, "images": [(io.BytesIO(b"just text, not an image"), "evil.png")]}
    response = post_form(
        client, f"/contracts/{contract.id}/note", data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Upload a JPEG, PNG or WebP image." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Note.id))) == 0


def test_exif_is_stripped_from_uploaded_photos():
    contract = funded_contract()
    note = services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        new_images=[upload(jpeg_with_exif(), "holiday.jpg")],
        **GOOD_TEXT,
    )
    stored = Path(upload_root()) / note.images[0].file
    with Image.open(stored) as image:
        assert len(image.getexif()) == 0
    assert b"SecretCamera" not in stored.read_bytes()


def test_images_are_reordered_and_removed():
    contract = funded_contract()
    note = draft_note(contract, images=3)
    first, second, third = (i.id for i in note.images)
    services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        remove_image_ids=[second],
        image_positions={first: 5, third: 1},
        **GOOD_TEXT,
    )
    db.session.commit()
    db.session.refresh(note)
    assert [i.id for i in note.images] == [third, first]
    assert [i.position for i in note.images] == [1, 2]


def test_at_most_nine_images():
    contract = funded_contract()
    draft_note(contract, images=8)
    with pytest.raises(ValidationFailed) as error:
        services.save_draft(
            contract_id=contract.id,
            kol_id=contract.kol_id,
            new_images=[upload(png_bytes()), upload(png_bytes())],
            **GOOD_TEXT,
        )
    assert "images" in error.value.fields


@pytest.mark.parametrize(
    "head, extension", [(MP4_HEAD, "mp4"), (MOV_HEAD, "mov"), (WEBM_HEAD, "webm")]
)
def test_video_containers_are_recognised_by_magic_bytes(head, extension):
    assert video_extension(head + b"\x00" * 32) == extension


@pytest.mark.parametrize("data", [b"<html>not a video</html>", png_bytes(), b"\x00" * 40])
def test_other_files_are_not_videos(data):
    assert video_extension(data) is None


def test_video_note_stores_an_uploaded_video_under_a_random_name(client):
    contract = funded_contract(content_format="video")
    sign_in(client, contract.kol_id)
    data = {**GOOD_TEXT, "video_file": (io.BytesIO(MP4_HEAD + b"\x00" * 1000), "me.mp4")}
    response = post_form(
        client, f"/contracts/{contract.id}/note", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    note = db.session.scalar(select(Note).where(Note.contract_id == contract.id))
    assert note.video_file.endswith(".mp4") and note.video_file != "me.mp4"
    assert (Path(upload_root()) / note.video_file).stat().st_size == len(MP4_HEAD) + 1000


def test_a_fake_video_is_refused(client):
    contract = funded_contract(content_format="video")
    sign_in(client, contract.kol_id)
    data = {**GOOD_TEXT, "video_file": (io.BytesIO(b"MZ\x90\x00 an exe" * 10), "clip.mp4")}
    response = post_form(
        client, f"/contracts/{contract.id}/note", data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Upload an MP4, MOV or WebM video." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Note.id))) == 0


def test_video_size_is_limited_by_config(app):
    contract = funded_contract(content_format="video")
    previous = current_app.config["MAX_VIDEO_BYTES"]
    current_app.config["MAX_VIDEO_BYTES"] = 1000
    try:
        with pytest.raises(ValidationFailed) as error:
            services.save_draft(
                contract_id=contract.id,
                kol_id=contract.kol_id,
                video_file=upload(WEBM_HEAD + b"\x00" * 2000, "big.webm"),
                **GOOD_TEXT,
            )
    finally:
        current_app.config["MAX_VIDEO_BYTES"] = previous
    assert "larger than" in error.value.fields["video_file"][0]
    assert not any(p.suffix == ".webm" for p in Path(upload_root()).iterdir())


def test_only_the_editor_accepts_bodies_beyond_the_global_limit(app, client):
    """The editor raises its own request limit to MAX_VIDEO_BYTES; other routes keep 16 MB."""
    assert app.config["MAX_VIDEO_BYTES"] > app.config["MAX_CONTENT_LENGTH"]
    contract = funded_contract(content_format="video")
    sign_in(client, contract.kol_id)
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4000  # stands in for 16 MB
    try:
        video = {"video_file": (io.BytesIO(MP4_HEAD + b"\x00" * 6000), "me.mp4")}
        response = post_form(
            client,
            f"/contracts/{contract.id}/note",
            {**GOOD_TEXT, **video},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        other = post_form(
            client,
            "/profile",
            {"bio": "x" * 6000},
            page=f"/contracts/{contract.id}/note",
            content_type="multipart/form-data",
        )
        assert other.status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous


def test_video_url_must_be_http():
    contract = funded_contract(content_format="video")
    with pytest.raises(ValidationFailed) as error:
        services.save_draft(
            contract_id=contract.id,
            kol_id=contract.kol_id,
            video_url="javascript:alert(1)",
            **GOOD_TEXT,
        )
    assert "video_url" in error.value.fields


def test_bad_hashtags_are_named():
    contract = funded_contract()
    with pytest.raises(ValidationFailed) as error:
        services.save_draft(
            contract_id=contract.id,
            kol_id=contract.kol_id,
            title="t",
            body="b",
            hashtags="#ok #<script>",
        )
    assert "hashtags" in error.value.fields


def test_hashtags_are_normalised_and_deduplicated():
    contract = funded_contract()
    note = draft_note(contract, hashtags="glowserum, #GlowSerum #护肤 #ad")
    assert note.hashtags == "#glowserum #护肤 #ad"


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Hello, World!", "hello-world"),
        ("护肤心得", "note"),
        ("Crème brûlée  tips", "creme-brulee-tips"),
    ],
)
def test_slug_is_ascii_with_a_fallback(title, slug):
    assert slugify(title) == slug


def test_no_note_before_the_contract_is_funded():
    contract = make_contract()  # awaiting funding
    with pytest.raises(Conflict):
        services.save_draft(contract_id=contract.id, kol_id=contract.kol_id, **GOOD_TEXT)


def test_brand_cannot_open_the_editor_and_other_kols_get_404(client):
    contract = funded_contract()
    draft_note(contract)
    sign_in(client, contract.brand_id)
    assert client.get(f"/contracts/{contract.id}/note").status_code == 403
    client.post("/auth/logout")
    other = make_kol(verified=True)
    sign_in(client, other)
    assert client.get(f"/contracts/{contract.id}/note").status_code == 404
    with pytest.raises(NotFound):
        services.save_draft(contract_id=contract.id, kol_id=other.id, **GOOD_TEXT)


def test_editing_stops_once_submitted():
    contract = funded_contract()
    note = draft_note(contract)
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    assert contract.status == ContractStatus.IN_REVIEW
    with pytest.raises(Conflict):
        services.save_draft(contract_id=contract.id, kol_id=contract.kol_id, **GOOD_TEXT)


def test_brand_user_is_not_a_kol(client):
    brand = make_user("brand")
    sign_in(client, brand)
    assert client.get("/my/notes").status_code == 403
