"""Media in an S3-compatible object store (MEDIA_STORE=s3), against moto's in-process S3: uploads
and every size land in the bucket with their type and a year-long cache, pages and the API link
to the objects, a video plays by Range from the store, old /media links lead there, and files
already on disk are pushed with `flask media push`."""

from __future__ import annotations

import io
import json
import secrets

import boto3
import pytest
import requests
from moto import mock_aws
from PIL import Image

from app import create_app, media_store
from app.errors import is_outage
from app.extensions import db
from app.notes import services
from app.notes.media import backfill_image_sizes, save_video
from app.notes.models import NoteImage
from app.uploads import store_image, upload_root
from config import ConfigError
from tests.notes.support import GOOD_TEXT, MP4_HEAD, funded_contract, png_bytes, upload

YEAR = "public, max-age=31536000, immutable"
BUCKET = "kol-media-test"
BASE = f"https://{BUCKET}.s3.us-east-1.amazonaws.com/public"
SETTINGS = {
    "MEDIA_STORE": "s3",
    "MEDIA_S3_BUCKET": BUCKET,
    "MEDIA_S3_ENDPOINT": "",
    "MEDIA_S3_REGION": "us-east-1",
    "MEDIA_S3_ACCESS_KEY": "test-key",
    "MEDIA_S3_SECRET_KEY": "test-secret",
    "MEDIA_PUBLIC_URL": "",
}
# What docs/operations.md tells operators to set: anyone may read public/*, nothing else.
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
        }
    ],
}


@pytest.fixture
def bucket(app, monkeypatch):
    """The app switched to an S3 store on a fresh (mocked) bucket for one test."""
    with mock_aws():
        for name, value in SETTINGS.items():
            monkeypatch.setitem(app.config, name, value)
        app.extensions.pop("media_store", None)
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
        yield client
        app.extensions.pop("media_store", None)  # the next test gets the local store back


def _keys(client) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}


def _note_with_image(size):
    contract = funded_contract()
    note = services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        **GOOD_TEXT,
        new_images=[upload(png_bytes(size=size, color=(12, 34, 56)))],
    )
    db.session.flush()
    return note


def test_an_upload_lands_in_the_bucket_in_every_size_with_its_type_and_cache(bucket, ctx):
    image = _note_with_image((1999, 1499)).images[0]
    name = image.file
    expected = {
        "thumb": (360, 270),
        "feed": (720, 540),
        "large": (1440, 1080),
        "avatar": (160, 160),
    }
    assert _keys(bucket) == {f"public/{name}"} | {f"public/{s}/{name}" for s in expected}
    for key in [f"public/{name}", *(f"public/{s}/{name}" for s in expected)]:
        head = bucket.head_object(Bucket=BUCKET, Key=key)
        assert head["ContentType"] == "image/png" and head["CacheControl"] == YEAR
    for size, dims in expected.items():
        body = bucket.get_object(Bucket=BUCKET, Key=f"public/{size}/{name}")["Body"].read()
        assert Image.open(io.BytesIO(body)).size == dims
    assert not (upload_root() / name).exists()  # nothing kept on the web host's disk


def test_pages_and_the_api_link_to_the_objects_anyone_may_read(bucket, client, ctx):
    from tests.notes.support import published_note

    note = published_note()
    name = _note_with_image((1201, 1601)).images[0].file
    shown = note.images[0]
    shown.file, shown.width, shown.height = name, 1201, 1601
    db.session.commit()
    feed = client.get("/explore").get_data(as_text=True)
    assert (
        f'src="{BASE}/thumb/{name}" srcset="{BASE}/thumb/{name} 360w, {BASE}/feed/{name} 720w"'
        in feed
    )
    page = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert f'src="{BASE}/large/{name}" srcset="{BASE}/feed/{name} 720w' in page
    answer = requests.get(f"{BASE}/thumb/{name}", timeout=5)  # anonymous, as a browser
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.headers["Cache-Control"] == YEAR
    assert Image.open(io.BytesIO(answer.content)).size == (360, 480)
    bucket.put_object(Bucket=BUCKET, Key="private/x.png", Body=b"not for everyone")
    assert requests.get(f"{BASE.rsplit('/', 1)[0]}/private/x.png", timeout=5).status_code == 403

    api = client.get("/api/v1/explore").get_json()["items"][0]
    assert api["id"] == note.id
    assert api["images"] == [f"{BASE}/{name}"]
    sized = api["image_sizes"][0]
    assert (sized["url"], sized["width"], sized["height"]) == (f"{BASE}/{name}", 1201, 1601)
    assert sized["sizes"]["feed"] == {"url": f"{BASE}/feed/{name}", "width": 720, "height": 960}
    feed_file = requests.get(sized["sizes"]["feed"]["url"], timeout=5).content
    assert Image.open(io.BytesIO(feed_file)).size == (720, 960)  # the pixels the API promised


def test_a_video_plays_by_range_requests_from_the_store(bucket, client, ctx):
    data = MP4_HEAD + bytes(range(256)) * 40
    name = save_video(upload(data, "clip.mp4"), field="video")
    assert not (upload_root() / name).exists()  # uploaded, then removed from the disk
    head = bucket.head_object(Bucket=BUCKET, Key=f"public/{name}")
    assert head["ContentType"] == "video/mp4" and head["CacheControl"] == YEAR
    url = media_store.public_url(name)
    assert url == f"{BASE}/{name}"
    part = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=5)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert part.content == data[100:200]
    old_link = client.get(f"/media/{name}")  # a /media link made before the switch
    assert old_link.status_code == 302 and old_link.headers["Location"] == url
    sized_link = client.get(f"/media/feed/{'a' * 32}.png")
    assert sized_link.headers["Location"] == f"{BASE}/feed/{'a' * 32}.png"
    assert client.get("/media/huge/" + "a" * 32 + ".png").status_code == 404


def test_files_on_disk_are_pushed_to_the_store_once_and_backfilled_from_it(app, bucket, ctx):
    old = f"{secrets.token_urlsafe(18)}.png"  # uploaded before the switch, no sizes yet
    (upload_root() / old).write_bytes(png_bytes(size=(1000, 500)))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["media", "push"])
    assert first.exit_code == 0, first.output
    assert {f"public/{old}", f"public/thumb/{old}", f"public/large/{old}"} <= _keys(bucket)
    assert "copied to the store: 0;" in runner.invoke(args=["media", "push"]).output
    note = _note_with_image((300, 301))
    note.images.append(NoteImage(file=old, position=1))
    db.session.flush()
    bucket.delete_object(Bucket=BUCKET, Key=f"public/feed/{old}")
    assert backfill_image_sizes() == (1, 0)  # the new image already has its pixels
    assert (note.images[1].width, note.images[1].height) == (1000, 500)
    assert f"public/feed/{old}" in _keys(bucket)  # the missing size made again, in the store


def test_pages_may_load_media_from_the_store_and_a_bad_store_setting_stops_the_app(tmp_path):
    with mock_aws():
        app = create_app(
            "test", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path), **SETTINGS
        )
        csp = app.test_client().get("/lang/en").headers["Content-Security-Policy"]
    origin = f"https://{BUCKET}.s3.us-east-1.amazonaws.com"
    assert (
        f"img-src 'self' data: blob: {origin}" in csp and f"media-src 'self' blob: {origin}" in csp
    )
    with pytest.raises(ConfigError, match="MEDIA_STORE must be one of local, s3"):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", MEDIA_STORE="ftp")


def test_minio_style_settings_give_path_style_urls_and_a_cdn_base_wins():
    config = {**SETTINGS, "MEDIA_S3_ENDPOINT": "http://127.0.0.1:9000/"}
    assert media_store.public_base(config) == f"http://127.0.0.1:9000/{BUCKET}"
    assert media_store.media_origin(config) == "http://127.0.0.1:9000"
    config["MEDIA_PUBLIC_URL"] = "https://cdn.example.com/m/"
    assert media_store.public_base(config) == "https://cdn.example.com/m"
    assert media_store.media_origin(config) == "https://cdn.example.com"


def test_a_store_that_does_not_answer_is_an_outage_not_a_bug(app, ctx, monkeypatch):
    """Answered 503 with Retry-After like a database outage (app/errors.py), and the video
    that could not be uploaded is not left on the disk."""
    unreachable = {**SETTINGS, "MEDIA_S3_ENDPOINT": "http://127.0.0.1:9"}  # nothing listens
    for name, value in unreachable.items():
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("media_store", None)
    try:
        with pytest.raises(media_store.StoreUnavailable) as raised:
            store_image(upload(png_bytes(size=(64, 65))), field="images")
        assert is_outage(raised.value)
        before = set(upload_root().iterdir())
        with pytest.raises(media_store.StoreUnavailable):
            save_video(upload(MP4_HEAD + b"x" * 100, "clip.mp4"), field="video")
        assert set(upload_root().iterdir()) == before
    finally:
        app.extensions.pop("media_store", None)
