"""The emulator's clock and object store, optionally persisted as JSON."""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import no_such

PLATFORM = "platform"
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Clock:
    """Wall time until `set` is called; then frozen and moved only by `set`/`advance`."""

    def __init__(self) -> None:
        self.frozen: int | None = None
        self.offset = 0

    def now(self) -> int:
        if self.frozen is not None:
            return self.frozen
        return int(time.time()) + self.offset

    def set(self, unix: int) -> None:
        self.frozen = int(unix)

    def advance(self, seconds: int) -> None:
        if self.frozen is not None:
            self.frozen += int(seconds)
        else:
            self.offset += int(seconds)

    def to_json(self) -> dict[str, Any]:
        return {"frozen": self.frozen, "offset": self.offset}

    def load(self, data: dict[str, Any]) -> None:
        self.frozen = data.get("frozen")
        self.offset = int(data.get("offset", 0))


class Store:
    """Objects in wire format by id, their owner (platform or acct_ id) and private data."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}
        self.private: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.idempotency: dict[str, dict[str, Any]] = {}

    def add(
        self, obj: dict[str, Any], owner: str | None, private: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self.owners[obj["id"]] = owner or PLATFORM
        self.order.append(obj["id"])
        if private is not None:
            self.private[obj["id"]] = private
        return obj

    def get(self, object_id: str) -> dict[str, Any] | None:
        return self.objects.get(object_id)

    def owner(self, object_id: str) -> str:
        return self.owners.get(object_id, PLATFORM)

    def find(
        self, kind: str, object_id: Any, owner: str | None, param: str = "id"
    ) -> dict[str, Any]:
        """Fetch an object of `kind` visible to `owner`, or raise Stripe's 404."""
        label = kind.replace("_", " ").split(".")[-1]
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind or self.owner(object_id) != (owner or PLATFORM):
            raise no_such(label, str(object_id), param)
        return obj

    def newest_first(self, kind: str, owner: str | None) -> Iterator[dict[str, Any]]:
        wanted = owner or PLATFORM
        for object_id in reversed(self.order):
            obj = self.objects[object_id]
            if obj["object"] == kind and self.owners[object_id] == wanted:
                yield obj

    def to_json(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "owners": self.owners,
            "private": self.private,
            "order": self.order,
            "idempotency": self.idempotency,
        }

    def load(self, data: dict[str, Any]) -> None:
        self.objects = data.get("objects", {})
        self.owners = data.get("owners", {})
        self.private = data.get("private", {})
        self.order = data.get("order", [])
        self.idempotency = data.get("idempotency", {})


class JsonFile:
    """Saves the store and clock after each write; reloads when another process wrote."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._mtime: int | None = None

    def load_if_changed(self, store: Store, clock: Clock) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._mtime:
            return
        data = json.loads(self.path.read_text("utf-8"))
        store.load(data.get("store", {}))
        clock.load(data.get("clock", {}))
        self._mtime = mtime

    def save(self, store: Store, clock: Clock) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"store": store.to_json(), "clock": clock.to_json()}), "utf-8")
        os.replace(tmp, self.path)
        self._mtime = self.path.stat().st_mtime_ns

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
        self._mtime = None
