"""The emulator's clock and object store (kept in memory; `sqlite_state` shares it between
processes)."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Iterator
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


class TrackedDict(dict[str, Any]):
    """A dict that remembers which keys were read or written, so that only those are
    compared and saved at the end of a transaction (used when the state is shared)."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.touched.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.touched.add(key)
        return super().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.touched.add(key)
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.touched.add(key)
        return super().setdefault(key, default)

    def clear(self) -> None:
        self.touched.update(self)
        super().clear()


class Store:
    """Objects in wire format by id, their owner (platform or acct_ id) and private data.

    `private`, `idempotency`, `deliveries` (webhook deliveries still owed) and `timers` (work
    due at a time on the clock) are dicts of JSON values. With `tracked=True` (shared state)
    every access through these dicts and through `add`/`get`/`find`/`newest_first` is noted,
    so a transaction saves only what it may have changed: code must reach objects through
    those methods, never through `objects` directly, to change them.
    """

    NAMESPACES = ("private", "idempotency", "deliveries", "timers")

    def __init__(self, tracked: bool = False) -> None:
        kind = TrackedDict if tracked else dict
        self.objects: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}
        self.order: list[str] = []
        self.private: dict[str, dict[str, Any]] = kind()
        self.idempotency: dict[str, dict[str, Any]] = kind()
        self.deliveries: dict[str, dict[str, Any]] = kind()
        self.timers: dict[str, dict[str, Any]] = kind()
        self.touched: set[str] | None = set() if tracked else None
        self.next_due: int | None = None  # the earliest timer's time; None: not known

    def _touch(self, object_id: str) -> None:
        if self.touched is not None:
            self.touched.add(object_id)

    def add(
        self, obj: dict[str, Any], owner: str | None, private: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self.owners[obj["id"]] = owner or PLATFORM
        self.order.append(obj["id"])
        self._touch(obj["id"])
        if private is not None:
            self.private[obj["id"]] = private
        return obj

    def get(self, object_id: str) -> dict[str, Any] | None:
        found = self.objects.get(object_id)
        if found is not None:
            self._touch(object_id)
        return found

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
        self._touch(object_id)
        return obj

    def schedule(self, task: str, object_id: str, due: int) -> None:
        """Run `task` ("expire", "capture"; see `timers`) on `object_id` once the clock
        reaches `due`, whether or not anyone calls the API then."""
        self.timers[f"{task}:{object_id}"] = {"task": task, "object": object_id, "due": due}
        if self.next_due is not None:
            self.next_due = min(self.next_due, due)

    def newest_first(self, kind: str, owner: str | None) -> Iterator[dict[str, Any]]:
        wanted = owner or PLATFORM
        for object_id in reversed(self.order):
            obj = self.objects[object_id]
            if obj["object"] == kind and self.owners[object_id] == wanted:
                if self.touched is not None:
                    self.touched.add(object_id)
                yield obj
