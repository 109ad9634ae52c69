"""The public page cache (app/pagecache.py): anonymous visitors share one rendering per
language (with no CSRF token and no session: tests/test_sessionless.py), every visitor still
has their view recorded, and a change to the note is visible on the next request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app import pagecache
from app.campaigns.models import Campaign
from app.extensions import db
from app.notes.models import NoteStatus
from tests.analytics.support import BROWSER, published_note
from tests.conftest import login
from tests.factories import PASSWORD, make_user

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cache_on(app):
    """Tests share one process; the cache is off for them unless a test turns it on."""
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    yield
    app.config.pop("PAGE_CACHE")
    pagecache._store.clear()


@pytest.fixture
def views(monkeypatch):
    from app.analytics import pipeline

    seen: list[dict] = []
    monkeypatch.setattr(pipeline, "accept_events", lambda batch: seen.extend(batch) or "redis")
    return seen


def statements(client, url: str, **kwargs) -> tuple[int, object]:
    count = [0]

    def listener(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")):
            count[0] += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return count[0], response


def test_anonymous_visitors_share_one_rendering_without_a_session(app, cache_on, views):
    note = published_note(title="Cached once")
    url = f"/n/{note.id}-{note.slug}"
    first, page = statements(app.test_client(), url, headers=BROWSER)
    again, other = statements(app.test_client(), url, headers=BROWSER)
    assert first > 0 and again == 0  # the second visitor's page costs no SQL
    assert "Cached once" in other.get_data(as_text=True)
    for response in (page, other):
        assert not CSRF_RE.search(response.get_data(as_text=True))
        assert pagecache.CSRF_MARKER not in response.get_data(as_text=True)
        assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))
    assert [e["n"] for e in views] == [note.id, note.id]  # every view is still recorded


def test_the_cached_language_link_switches_and_gets_its_own_cached_page(app, cache_on, views):
    note = published_note()
    url = f"/n/{note.id}-{note.slug}"
    client = app.test_client()
    client.get(url, headers=BROWSER)  # fills the cache
    html = client.get(url, headers=BROWSER).get_data(as_text=True)
    link = re.search(r'href="(/lang/zh_Hans\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert '<html lang="zh-Hans">' in client.get(url, headers=BROWSER).get_data(as_text=True)


def test_an_edited_note_shows_on_the_next_request(app, cache_on, views):
    note = published_note(title="Before the edit")
    url = f"/n/{note.id}-{note.slug}"
    client = app.test_client()
    assert "Before the edit" in client.get(url, headers=BROWSER).get_data(as_text=True)
    note.title = "After the edit"
    db.session.commit()
    assert "After the edit" in client.get(url, headers=BROWSER).get_data(as_text=True)


def test_a_taken_down_note_and_its_link_answer_404_at_once(app, cache_on, views):
    note = published_note()
    client = app.test_client()
    assert client.get(f"/n/{note.id}-{note.slug}", headers=BROWSER).status_code == 200
    assert client.get(f"/go/{note.tracking_code}", headers=BROWSER).status_code == 302
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    assert client.get(f"/n/{note.id}-{note.slug}", headers=BROWSER).status_code == 404
    assert client.get(f"/go/{note.tracking_code}", headers=BROWSER).status_code == 404


def test_a_product_url_change_redirects_to_the_new_url(app, cache_on, views):
    note = published_note()
    client = app.test_client()
    assert "shop.example/serum" in client.get(f"/go/{note.tracking_code}").headers["Location"]
    campaign = db.session.get(Campaign, note.campaign_id)
    campaign.product_url = "https://shop.example/new-serum"
    db.session.commit()
    location = client.get(f"/go/{note.tracking_code}").headers["Location"]
    assert location.startswith("https://shop.example/new-serum?")


def test_signed_in_visitors_get_their_own_page(app, cache_on, views):
    note = published_note()
    url = f"/n/{note.id}-{note.slug}"
    app.test_client().get(url, headers=BROWSER)  # an anonymous rendering is cached
    user = make_user()
    client = app.test_client()
    login(client, user.email, PASSWORD)
    html = client.get(url, headers=BROWSER).get_data(as_text=True)
    assert "Sign out" in html and "Sign in" not in html


def test_a_visitors_flashed_message_is_not_cached_for_others(app, cache_on, views):
    note = published_note()
    url = f"/n/{note.id}-{note.slug}"
    flashed = app.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    assert "Only for you" in flashed.get(url, headers=BROWSER).get_data(as_text=True)
    assert "Only for you" not in app.test_client().get(url, headers=BROWSER).get_data(as_text=True)


def test_an_anonymous_session_is_not_rewritten_on_every_request(app, views):
    """Flask-Login's strong protection used to treat a session without a user (a CSRF token)
    as stolen: every request rewrote it and deleted the remember-me cookie."""
    note = published_note()
    client = app.test_client()
    client.get(f"/n/{note.id}-{note.slug}", headers=BROWSER)  # the CSRF token starts a session
    response = client.get(f"/go/{note.tracking_code}", headers=BROWSER)
    assert response.status_code == 302
    assert not [c for c in response.headers.getlist("Set-Cookie") if "remember_token" in c]
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
