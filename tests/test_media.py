"""Uploaded media served like a photo platform: stored once under its content's hash, resized
into the pages' sizes, cached for a year, videos by range requests, handed to nginx when set."""

from __future__ import annotations

import io
import secrets

import pytest
from PIL import Image

from app import media
from app.auth.models import Role
from app.extensions import db
from app.notes import services
from app.notes.media import backfill_image_sizes
from app.notes.models import NoteImage
from app.uploads import upload_root
from tests.conftest import sign_in
from tests.factories import make_user
from tests.notes.support import GOOD_TEXT, funded_contract, png_bytes, upload

YEAR = "public, max-age=31536000, immutable"


def _note_with_image(size=(2000, 1500)):
    contract = funded_contract()
    note = services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        **GOOD_TEXT,
        new_images=[upload(png_bytes(size=size))],
    )
    db.session.flush()
    return note


def _pixels(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_an_uploaded_image_is_stored_with_its_pixels_and_served_in_every_size(client, ctx):
    image = _note_with_image((2000, 1500)).images[0]
    assert (image.width, image.height) == (2000, 1500)
    expected = {"thumb": (360, 270), "feed": (720, 540), "large": (1440, 1080)}
    expected["avatar"] = (160, 160)
    for size, dims in expected.items():
        response = client.get(f"/media/{size}/{image.file}")
        assert response.status_code == 200, size
        assert _pixels(response.data) == dims == media.fitted(2000, 1500, size)
        assert response.headers["Cache-Control"] == YEAR
        assert "sandbox" in response.headers["Content-Security-Policy"]
    original = client.get(f"/media/{image.file}")
    assert _pixels(original.data) == (2000, 1500)
    assert original.headers["Cache-Control"] == YEAR


def test_a_small_image_is_never_enlarged_and_a_tall_one_fits_its_box(ctx):
    assert media.fitted(200, 100, "large") == (200, 100)
    assert media.fitted(1000, 4000, "thumb") == (180, 720)


def test_the_same_picture_uploaded_twice_is_stored_once_under_its_hash(ctx):
    first = _note_with_image((300, 200)).images[0].file
    second = _note_with_image((300, 200)).images[0].file
    assert first == second
    assert first == media.content_name((upload_root() / first).read_bytes(), "png")


def test_note_pages_set_width_height_and_lazy_loading_on_covers(client, ctx):
    from tests.analytics.support import published_note
    from tests.factories import make_campaign, make_kol

    note = published_note(make_campaign(make_user(Role.BRAND)), make_kol(verified=True))
    note.images.append(NoteImage(file=f"{'c' * 32}.jpg", width=1200, height=1600, position=1))
    db.session.commit()
    html = client.get("/explore").get_data(as_text=True)
    assert f'src="/media/thumb/{"c" * 32}.jpg"' in html
    assert 'width="360" height="480"' in html and 'loading="lazy"' in html
    page = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert f'src="/media/large/{"c" * 32}.jpg"' in page and 'width="1200" height="1600"' in page


def _stored_video(size: int = 5000) -> str:
    name = f"{secrets.token_urlsafe(18)}.mp4"
    (upload_root() / name).write_bytes(bytes(range(256)) * (size // 256))
    return name


def test_a_video_is_served_by_range_requests(client, ctx):
    name = _stored_video()
    whole = client.get(f"/media/{name}")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(f"/media/{name}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    assert part.data == whole.data[100:200]
    assert part.headers["Cache-Control"] == YEAR
    tail = client.get(f"/media/{name}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == whole.data[-10:]


def test_with_the_proxy_setting_nginx_sends_the_file(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT", "/_uploads/")
    image = _note_with_image((800, 600)).images[0].file
    response = client.get(f"/media/feed/{image}")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_uploads/public/feed/{image}"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Cache-Control"] == YEAR
    video = _stored_video()
    assert client.get(f"/media/{video}").headers["X-Accel-Redirect"] == (
        f"/_uploads/public/{video}"
    )
    assert client.get("/media/feed/" + "x" * 20 + ".png").status_code == 404


def test_images_uploaded_before_sizes_existed_are_resized_on_first_request(client, ctx):
    name = f"{secrets.token_urlsafe(18)}.png"  # an old random name, no sizes on disk
    (upload_root() / name).write_bytes(png_bytes(size=(1000, 500)))
    assert client.get(f"/media/{name}").status_code == 200
    response = client.get(f"/media/thumb/{name}")
    assert response.status_code == 200 and _pixels(response.data) == (360, 180)
    assert (upload_root() / "thumb" / name).is_file()


def test_backfill_records_the_pixels_of_old_note_images(ctx):
    note = _note_with_image((640, 480))
    old = f"{secrets.token_urlsafe(18)}.png"
    (upload_root() / old).write_bytes(png_bytes(size=(500, 1000)))
    note.images.append(NoteImage(file=old, position=2))
    note.images.append(NoteImage(file=f"{secrets.token_urlsafe(18)}.png", position=3))
    db.session.flush()
    assert backfill_image_sizes() == (1, 1)  # the new one is measured already; one file gone
    stored = {i.file: (i.width, i.height) for i in note.images}
    assert stored[old] == (500, 1000)
    assert (upload_root() / "large" / old).is_file()


@pytest.mark.parametrize(
    "path",
    [
        "/media/..%2F..%2Fconfig.py",
        "/media/thumb/..%2Fprivate%2Fsecret.pdf",
        "/media/thumb/../../config.py",
        "/media/huge/aaaaaaaaaaaaaaaaaaaaaaaa.png",
        "/media/thumb/aaaaaaaaaaaaaaaaaaaaaaaa.mp4",
        "/media/thumb/.aaaaaaaaaaaaaaaaaaaaaaaa.png.0011.tmp",
        "/media/aaaaaaaaaaaaaaaaaaaaaaaa.png",
        "/media/thumb/aaaaaaaaaaaaaaaaaaaaaaaa.png",
    ],
)
def test_nothing_outside_the_stored_names_is_served(client, ctx, path):
    assert client.get(path).status_code == 404


def test_private_files_are_never_served_publicly_nor_cached(app, client, ctx):
    name = f"{secrets.token_urlsafe(18)}.pdf"
    (upload_root(private=True) / name).write_bytes(b"%PDF-1.4 contract")
    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/media/thumb/{name}").status_code == 404
    assert client.get(f"/media/private/{name}").status_code in (302, 401, 403)
    sign_in(client, make_user(Role.ADMIN))
    response = client.get(f"/media/private/{name}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_the_backfill_command_reports_what_it_measured(app, ctx):
    note = _note_with_image((640, 480))
    old = f"{secrets.token_urlsafe(18)}.jpg"
    Image.new("RGB", (300, 200)).save(upload_root() / old, format="JPEG")
    note.images.append(NoteImage(file=old, position=2))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["media", "backfill"])
    assert result.exit_code == 0
    assert "note images measured: 1; files missing: 0" in result.output
    assert db.session.get(NoteImage, note.images[-1].id).width == 300
