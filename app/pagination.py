"""Pages of results in the shape the ``pagination`` macro and the API read: a ``Page`` counted
by hand (like Flask-SQLAlchemy's pagination), or a ``KeysetPage`` for lists that grow without
bound (the feeds, a brand's bids, the ledger), which reads the rows after a *cursor* — the sort
key of the last row shown — instead of counting and skipping rows: page 500 costs what page 1
does, and rows inserted between two loads neither repeat nor go missing."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, literal, tuple_

from app.errors import DomainError
from app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


class BadCursor(DomainError):
    """A cursor this app did not hand out (edited, truncated, from another list): 422."""

    code = "bad_cursor"

    def __init__(self, cursor: str = ""):
        message = _("This page link is not valid any more: start again from the first page.")
        super().__init__(message, field="cursor")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque, URL-safe token for a row's sort key (datetimes as ISO 8601)."""
    plain = [["t", v.isoformat()] if isinstance(v, datetime) else ["i", v] for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> tuple:
    """The sort key ``encode_cursor`` wrapped; BadCursor for anything else."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = tuple(
            datetime.fromisoformat(v) if kind == "t" else _strict_int(v) for kind, v in plain
        )
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error
    if len(values) != size:
        raise BadCursor(cursor)
    return values


def _strict_int(value: Any) -> int:
    if type(value) is not int or abs(value) >= 2**63:
        raise TypeError(value)
    return value


@dataclass
class KeysetPage:
    """One page read after ``cursor`` (None: the first page). No page number, no total:
    counting a growing list on every page is what this avoids (the API answers them null)."""

    items: list
    per_page: int
    cursor: str | None
    next_cursor: str | None
    keyset = True
    page = None
    total = None
    pages = None


def keyset_page(
    stmt: Select,
    keys: Sequence[ColumnElement],
    *,
    cursor: str | None,
    per_page: int,
    key_of: Callable[[Any], tuple] | None = None,
    scalars: bool = True,
) -> KeysetPage:
    """``stmt`` (unordered) newest first by ``keys`` (all descending, the last one unique),
    the ``per_page`` rows after ``cursor``: ``WHERE (k1, k2) < (:v1, :v2) ORDER BY k1 DESC,
    k2 DESC LIMIT per_page + 1`` — one query, no OFFSET, no COUNT. BadCursor for a cursor
    this list did not hand out."""
    if cursor:
        after = decode_cursor(cursor, len(keys))
        bound = [literal(value, key.type) for key, value in zip(keys, after, strict=True)]
        stmt = stmt.where(tuple_(*keys) < tuple_(*bound) if len(keys) > 1 else keys[0] < bound[0])
    stmt = stmt.order_by(None).order_by(*(key.desc() for key in keys)).limit(per_page + 1)
    rows = list(db.session.scalars(stmt) if scalars else db.session.execute(stmt))
    more = len(rows) > per_page
    items = rows[:per_page]
    next_cursor = encode_cursor((key_of or _key_of(keys))(items[-1])) if more else None
    return KeysetPage(items, per_page, cursor or None, next_cursor)


def _key_of(keys: Sequence[ColumnElement]) -> Callable[[Any], tuple]:
    return lambda row: tuple(getattr(row, key.key) for key in keys)


def list_page(
    stmt: Select, keys: Sequence[ColumnElement], *, page: int, per_page: int,
    cursor: str | None, numbered_first: bool = False,
):  # fmt: skip
    """A list that grows without bound, newest first by ``keys``: by cursor when given one
    (and for the first page, unless ``numbered_first``: the API's first page keeps its COUNT
    for clients that read ``total``); else the numbered page an old link or client asks for,
    with the ``next_cursor`` to carry on by cursor."""
    if cursor or (page == 1 and not numbered_first):
        return keyset_page(stmt, keys, cursor=cursor, per_page=per_page)
    ordered = stmt.order_by(None).order_by(*(key.desc() for key in keys))
    numbered = db.paginate(ordered, page=page, per_page=per_page, error_out=False)
    last = numbered.items[-1] if numbered.has_next and numbered.items else None
    numbered.next_cursor = encode_cursor(_key_of(keys)(last)) if last is not None else None
    return numbered


def page_json(page, items: list) -> dict:
    """The API's envelope for one page (a ``Page``, a ``KeysetPage`` or Flask-SQLAlchemy's
    pagination) of ``items``, already turned into JSON values. ``next_cursor`` is present
    (a string, or null on the last page) where the list pages by cursor."""
    body = {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}  # fmt: skip
    if getattr(page, "keyset", False) or hasattr(page, "next_cursor"):
        body["next_cursor"] = page.next_cursor
    return body
