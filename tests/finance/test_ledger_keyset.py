"""The journal only grows: the ledger reads by cursor, one ``WHERE id < …`` query per page."""

from __future__ import annotations

import secrets

from app.extensions import db
from app.finance import queries
from app.finance.queries import EntryFilters
from app.ledger.models import JournalEntry


def _entries(count: int) -> list[int]:
    rows = [JournalEntry(key=secrets.token_hex(8), kind="test", memo="") for _ in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def test_following_the_ledgers_cursor_shows_every_entry_once_newest_first(monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 3)
    ids = _entries(7)
    page = queries.entries_page(EntryFilters(), 1)
    seen = [e.id for e in page.items]
    while page.next_cursor:
        _entries(1)  # a new entry between two loads: newer, so on no later page
        page = queries.entries_page(EntryFilters(), 1, page.next_cursor)
        seen += [e.id for e in page.items]
    assert [i for i in seen if i in ids] == sorted(ids, reverse=True)
    assert len(seen) == len(set(seen))
