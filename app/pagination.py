"""A page of results computed by hand (rows with several columns, or counted separately),
in the shape the ``pagination`` macro and the API read, like Flask-SQLAlchemy's pagination."""

from __future__ import annotations

import math
from dataclasses import dataclass


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


def page_json(page, items: list) -> dict:
    """The API's envelope for one page (a ``Page`` or Flask-SQLAlchemy's pagination) of
    ``items``, already turned into JSON values."""
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}  # fmt: skip
