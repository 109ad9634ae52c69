"""Lists that grow without bound read by cursor (app/pagination.py keyset_page): a deep page
is one ``WHERE (published_at, id) < (…)`` query with no OFFSET and no COUNT, and following the
"More" links (or the API's next_cursor) shows every note exactly once, newest first — even when
notes are published between two loads."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.db_types import utcnow
from app.extensions import db
from app.notes import queries, tags
from app.pagination import encode_cursor
from tests.factories import make_user
from tests.notes.support import funded_contract, published_note

MORE_RE = re.compile(r'rel="next" href="([^"]+)"')
TITLE_RE = re.compile(r"Keyset note (\d+)")


def _publish_many(count: int, *, start: int = 0, hours_ago: float = 1.0, same_time=False):
    brand = make_user("brand")
    when = utcnow() - timedelta(hours=hours_ago)
    notes = []
    for n in range(start, start + count):
        note = published_note(funded_contract(brand=brand), title=f"Keyset note {n}")
        note.hashtags = "#keyset"
        note.published_at = when if same_time else when - timedelta(minutes=n)
        notes.append(note)
    db.session.commit()
    return notes


def _walk(client, url: str, between=None) -> list[int]:
    seen: list[int] = []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in TITLE_RE.findall(html)]
        more = MORE_RE.search(html)
        url = more.group(1).replace("&amp;", "&") if more else None
        if between:
            between()
    return seen


def test_following_more_on_explore_shows_every_note_once_while_new_ones_arrive(client, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 3)
    _publish_many(10)
    arrivals = iter(range(100, 104))

    def publish_one():  # a newer note lands between two page loads
        n = next(arrivals, None)
        if n is not None:
            _publish_many(1, start=n, hours_ago=-3)  # newer than every listed note

    assert _walk(client, "/explore", between=publish_one) == list(range(10))


def test_notes_published_at_the_same_instant_are_told_apart_by_id(client, monkeypatch):
    monkeypatch.setattr(tags, "PER_PAGE", 2)
    notes = _publish_many(5, same_time=True)
    expected = [int(TITLE_RE.search(n.title).group(1)) for n in sorted(notes, key=lambda n: -n.id)]
    assert _walk(client, "/tags/keyset") == expected


def test_a_deep_page_is_one_row_comparison_without_offset_or_count(client):
    notes = _publish_many(6)
    cursor = encode_cursor((notes[2].published_at, notes[2].id))
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = queries.explore_page(cursor=cursor, per_page=2)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert [n.id for n in page.items] == [notes[3].id, notes[4].id]
    ((sql, parameters),) = [(s, p) for s, p in seen if "FROM notes" in s]
    assert re.search(r"\(notes\.published_at, notes\.id\) < \(", sql)
    assert "count(" not in sql.lower()
    if "OFFSET" in sql:  # SQLite's dialect always writes one: it must skip nothing
        assert list(parameters)[-1] == 0


def test_the_api_pages_by_cursor_and_keeps_the_numbered_envelope(client):
    _publish_many(5)
    numbered = client.get("/api/v1/explore?per_page=2").get_json()
    assert (numbered["page"], numbered["total"], numbered["pages"]) == (1, 5, 3)
    titles, body = [n["title"] for n in numbered["items"]], numbered
    while body["next_cursor"]:
        body = client.get(f"/api/v1/explore?per_page=2&cursor={body['next_cursor']}").get_json()
        assert (body["page"], body["total"], body["pages"]) == (None, None, None)
        titles += [n["title"] for n in body["items"]]
    assert titles == [f"Keyset note {n}" for n in range(5)]


def test_a_forged_cursor_is_refused(client):
    response = client.get("/api/v1/explore?cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bad_cursor"
    assert client.get("/explore?cursor=%%%").status_code == 422
