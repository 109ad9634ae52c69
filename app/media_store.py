"""Where public uploads live: the local disk or an S3-compatible bucket (``MEDIA_STORE``).

``local`` (the default, ``make run``): files in ``UPLOAD_DIR/public``, sent by ``/media`` (or by
nginx through ``MEDIA_ACCEL_REDIRECT``). ``s3``: every public upload and each of its sizes is
written to ``MEDIA_S3_BUCKET`` under the same layout (``public/<name>``,
``public/<size>/<name>``) with its content type and the year-long ``immutable``
Cache-Control, and pages and the API link straight to the object: ``MEDIA_PUBLIC_URL`` (a CDN
or the bucket's public address) + the key. Public, not presigned, URLs: names never change
meaning, so a link is cacheable for a year (pages, the page cache, a CDN) where a presigned
one would expire; the bucket lets anyone read ``public/*`` and nothing else. Private files
(payment screenshots, contract attachments) stay on the app's disk behind their access checks.
The store answers ``Range`` itself (video seeking). docs/operations.md "Media".
"""

from __future__ import annotations

import logging
import mimetypes
import os
import secrets
from pathlib import Path
from typing import Protocol

import click
from flask import Flask, current_app, url_for

from config import ConfigError

log = logging.getLogger(__name__)
IMMUTABLE = "public, max-age=31536000, immutable"
STORES = ("local", "s3")
PREFIX = "public/"  # the bucket mirrors UPLOAD_DIR: public/<name>, public/<size>/<name>


def content_type(relative: str) -> str:
    return mimetypes.guess_type(relative)[0] or "application/octet-stream"


class Store(Protocol):
    kind: str

    def put_bytes(self, relative: str, data: bytes) -> None: ...

    def put_file(self, relative: str, path: Path, *, keep: bool = False) -> None: ...

    def read(self, relative: str) -> bytes | None: ...

    def has(self, relative: str) -> bool: ...

    def url(self, relative: str, *, external: bool = False) -> str: ...


class LocalStore:
    """``UPLOAD_DIR/public``; URLs are the app's own ``/media`` routes."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, relative: str) -> Path:
        return self.root / relative

    def put_bytes(self, relative: str, data: bytes) -> None:
        """Written beside its place, then renamed: never half a file under its name."""
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def put_file(self, relative: str, path: Path, *, keep: bool = False) -> None:
        target = self._path(relative)
        if path != target:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)

    def read(self, relative: str) -> bytes | None:
        path = self._path(relative)
        return path.read_bytes() if path.is_file() else None

    def has(self, relative: str) -> bool:
        return self._path(relative).is_file()

    def url(self, relative: str, *, external: bool = False) -> str:
        if "/" in relative:
            size, name = relative.split("/", 1)
            return url_for("main.media_sized", size=size, name=name, _external=external)
        return url_for("main.media", name=relative, _external=external)


class StoreUnavailable(ConnectionError):
    """The object store did not answer (or answered 5xx): an outage like the database's, so
    the request is answered 503 with Retry-After (app/errors.py), never a bare 500."""


def _unavailable(error: Exception) -> bool:
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):
        return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    return isinstance(error, BotoCoreError | S3UploadFailedError)  # the latter: a part failed


class _Outages:
    """Store calls whose connection failures become StoreUnavailable."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, trace) -> None:
        if error is not None and _unavailable(error):
            log.error("media store %s failed: %s", type(error).__name__, error)  # the cause
            raise StoreUnavailable(f"media store: {type(error).__name__}: {error}") from error


class S3Store:
    """An S3-compatible bucket (AWS S3, MinIO, R2...); objects are public-read under
    ``public/`` by the bucket's policy, never by a per-object ACL."""

    kind = "s3"

    def __init__(self, client, bucket: str, public_base: str) -> None:
        self.client = client
        self.bucket = bucket
        self.public_base = public_base.rstrip("/")

    def _extra(self, relative: str) -> dict[str, str]:
        return {"ContentType": content_type(relative), "CacheControl": IMMUTABLE}

    def put_bytes(self, relative: str, data: bytes) -> None:
        with _Outages():
            self.client.put_object(
                Bucket=self.bucket, Key=PREFIX + relative, Body=data, **self._extra(relative)
            )

    def put_file(self, relative: str, path: Path, *, keep: bool = False) -> None:
        """Uploaded in parts when large (a 100 MB video); the local copy is then removed
        unless ``keep``."""
        try:
            with _Outages():
                self.client.upload_file(
                    str(path), self.bucket, PREFIX + relative, ExtraArgs=self._extra(relative)
                )
        finally:
            if not keep:  # stored, or failed: either way never left on the disk
                path.unlink(missing_ok=True)

    def read(self, relative: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            with _Outages():
                answer = self.client.get_object(Bucket=self.bucket, Key=PREFIX + relative)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return answer["Body"].read()

    def has(self, relative: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            with _Outages():
                self.client.head_object(Bucket=self.bucket, Key=PREFIX + relative)
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def url(self, relative: str, *, external: bool = False) -> str:
        return f"{self.public_base}/{PREFIX}{relative}"  # always absolute


def _missing(error) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def public_base(config) -> str:
    """MEDIA_PUBLIC_URL, else the bucket's own address: path style on a custom endpoint
    (MinIO), virtual-host style on AWS."""
    if config["MEDIA_PUBLIC_URL"]:
        return config["MEDIA_PUBLIC_URL"].rstrip("/")
    bucket = config["MEDIA_S3_BUCKET"]
    if config["MEDIA_S3_ENDPOINT"]:
        return f"{config['MEDIA_S3_ENDPOINT'].rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{config['MEDIA_S3_REGION']}.amazonaws.com"


def s3_client(config):
    """A boto3 client for the configured endpoint; keys from MEDIA_S3_ACCESS_KEY /
    MEDIA_S3_SECRET_KEY when set, otherwise boto3's own chain (AWS_* variables, an instance
    role)."""
    import boto3
    from botocore.config import Config as BotoConfig

    keys = {}
    if config["MEDIA_S3_ACCESS_KEY"]:
        keys = {
            "aws_access_key_id": config["MEDIA_S3_ACCESS_KEY"],
            "aws_secret_access_key": config["MEDIA_S3_SECRET_KEY"],
        }
    return boto3.client(
        "s3",
        endpoint_url=config["MEDIA_S3_ENDPOINT"] or None,
        region_name=config["MEDIA_S3_REGION"],
        config=BotoConfig(
            s3={"addressing_style": "path" if config["MEDIA_S3_ENDPOINT"] else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
        **keys,
    )


def store(app: Flask | None = None) -> Store:
    """The app's store, built once per app (a boto3 client is thread-safe)."""
    app = app or current_app._get_current_object()
    built = app.extensions.get("media_store")
    if built is None:
        if app.config["MEDIA_STORE"] == "s3":
            built = S3Store(
                s3_client(app.config), app.config["MEDIA_S3_BUCKET"], public_base(app.config)
            )
        else:
            built = LocalStore(Path(app.config["UPLOAD_DIR"]) / "public")
        app.extensions["media_store"] = built
    return built


def public_url(name: str, size: str | None = None, *, external: bool = False) -> str:
    """The URL of a stored public file, or of one of its sizes."""
    return store().url(f"{size}/{name}" if size else name, external=external)


def media_origin(config) -> str:
    """The origin pages must allow images and videos from ("" for the app's own)."""
    if config["MEDIA_STORE"] != "s3":
        return ""
    base = public_base(config)
    scheme, _, rest = base.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def init_app(app: Flask) -> None:
    if app.config["MEDIA_STORE"] not in STORES:
        raise ConfigError(
            f"MEDIA_STORE must be one of {', '.join(STORES)} (got {app.config['MEDIA_STORE']!r})"
        )
    app.extensions.pop("media_store", None)


def push_local_files() -> tuple[int, int]:
    """Every public file under UPLOAD_DIR/public, each image's sizes made first, copied to the
    configured object store unless already there; returns (copied, already there)."""
    from app import media
    from app.uploads import STORED_NAME

    target = store()
    if target.kind == "local":
        raise click.ClickException("MEDIA_STORE is local: set MEDIA_STORE=s3 and the bucket first")
    root = Path(current_app.config["UPLOAD_DIR"]) / "public"
    originals = [p for p in root.glob("*") if p.is_file() and STORED_NAME.fullmatch(p.name)]
    for path in originals:
        for size in media.SIZES:
            media.sized_path(root, path.name, size)  # made on disk when missing (old uploads)
    copied = present = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or not STORED_NAME.fullmatch(path.name):
            continue
        if target.has(relative):
            present += 1
            continue
        target.put_file(relative, path, keep=True)
        copied += 1
    return copied, present
