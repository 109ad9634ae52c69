"""Tracking events as PostgreSQL COPY text rows: how they travel through the Redis stream.

One line per event, tab-separated, in ``COLUMNS`` order, escaped as COPY's text format wants.
The request encodes each event once; the writer hands whole stream entries to COPY as they are
(no per-event work in Python) and decodes them only on SQLite.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

COLUMNS = (
    "event_id", "kind", "t", "note_id", "contract_id", "campaign_id", "kol_id", "visitor",
    "is_bot", "user_id",
)  # fmt: skip
# COPY text format: backslash, tab, newline and carriage return are escaped; a NUL cannot be
# stored in a text column at all, so it is dropped rather than poisoning the writer's batch.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": ""})
_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
NULL = "\\N"


def _text(value) -> str:
    value = str(value)[:64]
    if value.isprintable() and "\\" not in value:  # the usual case: nothing to escape
        return value
    return value.translate(_ESCAPES)


def encode_row(event: dict) -> str:
    """One pipeline event (app/analytics/tracking.py's keys) as a COPY text line."""
    uid = event.get("uid")
    return (
        f"{_text(event['id'])}\t{event['k']}\t{float(event['t'])!r}\t{int(event['n'])}\t"
        f"{int(event['c'])}\t{int(event['p'])}\t{int(event['u'])}\t{_text(event['v'])}\t"
        f"{1 if event['b'] else 0}\t{int(uid) if uid else NULL}\n"
    )


@lru_cache(maxsize=4096)
def note_columns(note_id: int, contract_id: int, campaign_id: int, kol_id: int) -> str:
    """The four note columns of a row, tab-separated (the same for every event of a note)."""
    return f"{int(note_id)}\t{int(contract_id)}\t{int(campaign_id)}\t{int(kol_id)}"


def hit_row(event_id: str, kind: str, t: str, note: str, visitor: str, bot: bool) -> str:
    """``encode_row`` of an anonymous hit whose time (``repr`` of its epoch seconds) and note
    columns (``note_columns``) are text already: a batch shares them across its events."""
    return f"{_text(event_id)}\t{kind}\t{t}\t{note}\t{_text(visitor)}\t{1 if bot else 0}\t{NULL}\n"


def encode_rows(events: list[dict]) -> bytes:
    return "".join(map(encode_row, events)).encode()


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        pair = value[i : i + 2]
        if pair in _UNESCAPES:
            out.append(_UNESCAPES[pair])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def campaigns_of(data: bytes) -> set[int]:
    """The campaign ids of ``encode_rows`` output (no field holds a raw tab: COPY escapes)."""
    at = COLUMNS.index("campaign_id")
    return {int(line.split(b"\t", at + 1)[at]) for line in data.split(b"\n") if line}


def decode_rows(data: bytes) -> list[dict]:
    """The events of ``encode_rows`` output, back as pipeline events (the SQLite writer)."""
    events = []
    for line in data.decode().split("\n")[:-1]:
        event_id, kind, t, note, contract, campaign, kol, visitor, bot, uid = line.split("\t")
        event = {
            "id": _unescape(event_id), "k": kind, "t": float(t), "n": int(note),
            "c": int(contract), "p": int(campaign), "u": int(kol), "v": _unescape(visitor),
            "b": int(bot),
        }  # fmt: skip
        if uid != NULL:
            event["uid"] = int(uid)
        events.append(event)
    return events


def split_rows(data: bytes, parts: int) -> tuple[list[bytes], set[int]]:
    """``data``'s rows in ``parts`` groups by visitor (a stable hash: every process agrees),
    and their campaign ids (``campaigns_of``, read in the same pass over the rows)."""
    groups: list[list[bytes]] = [[] for _ in range(parts)]
    campaigns: set[bytes] = set()
    visitor, campaign = COLUMNS.index("visitor"), COLUMNS.index("campaign_id")
    for line in data.split(b"\n")[:-1]:
        fields = line.split(b"\t", visitor + 1)
        campaigns.add(fields[campaign])
        groups[zlib.crc32(fields[visitor]) % parts].append(line)
    rows = [b"\n".join(group) + b"\n" if group else b"" for group in groups]
    return rows, {int(c) for c in campaigns}
