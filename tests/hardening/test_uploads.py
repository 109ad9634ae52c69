"""Hostile uploads against app/uploads.py and the forms and pages that use it.

Oversize bodies answer a clean 413; files that are not JPEG/PNG/WebP by their content (wrong
magic bytes, SVG/HTML and GIF/JS polyglots, truncated data), decompression bombs and huge pixel
counts are refused with a reason on the form; hostile file names never choose where a file is
written; what is accepted is re-encoded without metadata (no GPS EXIF, no text chunks, nothing
appended) and served as an image with ``nosniff``, never as HTML.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from app.errors import ValidationFailed
from app.uploads import MAX_PIXELS, save_image, upload_root
from tests.conftest import csrf_token, sign_in
from tests.factories import make_api_key, make_kol, make_user
from tests.notes.support import png_bytes

SCRIPT = b"<script>alert(document.domain)</script>"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_size(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG that claims ``width × height`` (1-bit grey): a bomb header."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    exif[0x0112] = 6  # orientation: rotated 90° (the pixels are turned upright)
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 1.0), 3: "E", 4: (121.0, 28.0, 2.0)}  # GPS IFD
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue() + SCRIPT  # and HTML appended after IEND


def gif_js_polyglot() -> bytes:
    return b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(1)//" + b"\x00" * 20 + b";"


REFUSED = {
    "text named .png": (b"just some text, not an image", "notes.png"),
    "html named .jpg": (b"<!doctype html><html><body>" + SCRIPT + b"</body></html>", "a.jpg"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.svg"),
    "svg named .png": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "a.png"),
    "gif/js polyglot": (gif_js_polyglot(), "a.gif"),
    "real gif": (None, "a.gif"),
    "bmp": (None, "a.bmp"),
    "truncated png": (png_bytes((200, 200))[:60], "cut.png"),
    "png magic then html": (b"\x89PNG\r\n\x1a\n" + SCRIPT, "x.png"),
    "decompression bomb 50k×50k": (png_of_size(50_000, 50_000), "bomb.png"),
    "huge pixel count 7k×7k": (png_of_size(7_000, 7_000), "big.png"),
    "huge width 1M×41": (png_of_size(1_000_000, 41), "wide.png"),
    "empty file": (b"", "empty.png"),
}


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format=fmt)
    return buffer.getvalue()


def _upload(data: bytes, name: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=name)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_hostile_files_are_refused_with_a_reason(app, ctx):
    root = Path(app.config["UPLOAD_DIR"])
    before = _files(root)
    refused = 0
    for label, (data, name) in REFUSED.items():
        if data is None:
            data = _encoded(name.rsplit(".", 1)[1].upper().replace("GIF", "GIF"))
        with pytest.raises(ValidationFailed) as caught:
            save_image(_upload(data, name), field="avatar")
        reason = caught.value.errors["avatar"][0]
        assert "JPEG, PNG or WebP" in reason or "pixels" in reason, (label, reason)
        refused += 1
    assert _files(root) == before  # nothing refused reached the disk
    print(f"uploads: {refused} hostile files tried, {refused} refused with a reason, 0 stored")


def test_pixel_limits_name_the_problem(app, ctx):
    for width, height in ((7_000, 7_000), (1_000_000, 41), (50_000, 50_000)):
        assert width * height > MAX_PIXELS
        with pytest.raises(ValidationFailed) as caught:
            save_image(_upload(png_of_size(width, height), "big.png"), field="image")
        assert caught.value.errors["image"] == ["The image has too many pixels."]


@pytest.mark.parametrize(
    "name", ["../../x.png", "..\\..\\x.png", "/etc/passwd", "a\x00.png", "ｘ／..／y.png", "😀.png"]
)
def test_hostile_file_names_never_choose_the_path(app, ctx, name):
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    stored = save_image(_upload(png_bytes(), name), field="avatar")
    assert stored.isascii() and "/" not in stored and "\\" not in stored and ".." not in stored
    assert (upload_root() / stored).resolve().parent == root / "public"
    assert not (root.parent / "x.png").exists() and not (root / "x.png").exists()


def test_accepted_images_are_reencoded_without_metadata(app, ctx):
    jpeg = upload_root() / save_image(_upload(jpeg_with_gps(), "me.jpg"), field="avatar")
    with Image.open(jpeg) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and 0x8825 not in exif, "GPS EXIF survived"
        assert 0x010F not in exif and "exif" not in image.info
        assert image.size == (40, 60), "the EXIF orientation was not applied before dropping it"
    png = upload_root() / save_image(_upload(png_with_text(), "t.png"), field="avatar")
    raw = png.read_bytes()
    assert b"<script" not in raw and b"tEXt" not in raw
    with Image.open(png) as image:
        assert "Comment" not in image.info


def _kol_form(client, avatar: tuple[bytes, str]) -> dict:
    return {
        "csrf_token": csrf_token(client, "/profile"),
        "display_name": "Lily",
        "rate_currency": "usd",
        "avatar": (io.BytesIO(avatar[0]), avatar[1]),
    }


def test_the_form_shows_why_a_file_was_refused(client):
    kol = make_kol()
    sign_in(client, kol)
    for data, name in (REFUSED["svg"], REFUSED["decompression bomb 50k×50k"]):
        response = client.post("/profile", data=_kol_form(client, (data, name)))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "JPEG, PNG or WebP" in html or "too many pixels" in html
        # The refused file is not echoed back (the layout's own icons are inline SVG).
        assert "alert(1)" not in html and "Traceback" not in html


def test_oversize_bodies_get_a_clean_413(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    kol = make_kol()
    sign_in(client, kol)
    form = _kol_form(client, (b"\xff\xd8\xff" + b"0" * 200_000, "big.jpg"))
    response = client.post("/profile", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The upload is too large." in html and "Traceback" not in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    headers = {"Authorization": f"Bearer {make_api_key(make_user('brand'))}"}
    api = client.post("/api/v1/campaigns", data=b"{" + b" " * 200_000 + b"}",
                      content_type="application/json", headers=headers)  # fmt: skip
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "too_large"


def test_stored_images_are_served_as_images_never_as_html(app, client, ctx):
    name = save_image(_upload(png_with_text(), "page.html"), field="avatar")
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    (upload_root() / "planted.html").write_bytes(b"<html>" + SCRIPT)  # never made by the app
    assert client.get("/media/planted.html").status_code == 404
    for probe in ("../secret_key", "..%2f..%2fconfig.py", "%2e%2e/%2e%2e/wsgi.py"):
        assert client.get(f"/media/{probe}").status_code == 404
