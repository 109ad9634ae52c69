"""The public page cache (app/pagecache.py): anonymous visitors share one rendering per
language (with no CSRF token and no session: tests/test_sessionless.py), every visitor still
has their view recorded, and a change to the note is visible on the next request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app import pagecache
from app.campaigns.models import Campaign
from app.engagement.models import NoteComment
from app.extensions import db
from app.notes.models import NoteStatus
from app.profiles.models import KolProfile
from tests.analytics.support import BROWSER, campaign_for, published_note
from tests.conftest import post_form, signed_in
from tests.factories import make_user

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def views(monkeypatch):
    from app.analytics import pipeline

    seen: list[dict] = []
    monkeypatch.setattr(pipeline, "accept_events", lambda batch: seen.extend(batch) or "redis")
    return seen


def statements(client, url: str, **kwargs) -> tuple[int, object]:
    count = [0]

    def listener(_conn, _cursor, statement, *_args):
        # Without Redis an API call's rate-limit counter is a database row (app/ratelimits.py):
        # counting the call is not building the page.
        if "rate_limit_counters" in statement:
            return
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
    client = signed_in(app, user)
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


# --- signed-in pages cached per viewer (campaign discovery) --------------------------------


def _kol_client(app, name="Kol Viewer"):
    from tests.factories import make_kol

    kol = make_kol(verified=True, name=name)
    client = signed_in(app, kol)
    return kol, client


def test_a_kols_discovery_page_repeats_from_their_cache(app, cache_on):
    from tests.factories import make_campaign

    make_campaign(title="Glow serum launch")
    _kol, client = _kol_client(app)
    assert "Signed in." in client.get("/campaigns").get_data(as_text=True)  # a flash: not kept
    first, page = statements(client, "/campaigns")
    again, repeat = statements(client, "/campaigns")
    assert page.status_code == repeat.status_code == 200
    assert "Glow serum launch" in repeat.get_data(as_text=True)
    assert first > 3 and again == 1  # only the session's own account check
    # The cached page carries a real token of this session, never the marker.
    html = repeat.get_data(as_text=True)
    assert pagecache.CSRF_MARKER not in html and CSRF_RE.search(html)
    # ... which works: signing out with it succeeds.
    token = CSRF_RE.search(html).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302


def test_viewers_never_see_each_others_cached_page(app, cache_on):
    from app.notifications.services import notify

    alice_user, alice = _kol_client(app, name="Alice Creator")
    _b, bob = _kol_client(app, name="Bob Creator")
    for _ in range(2):
        notify(user_id=alice_user.id, kind="invitation", link="/campaigns", title="For Alice")
    db.session.commit()
    for _ in range(2):  # rendered, then from the cache
        assert '<span class="bell-count">2</span>' in alice.get("/campaigns").get_data(True)
        assert "bell-count" not in bob.get("/campaigns").get_data(as_text=True)


def test_a_notification_and_the_viewers_own_action_show_on_the_next_request(app, cache_on):
    from app.notifications.services import notify

    kol, client = _kol_client(app)
    assert "bell-count" not in client.get("/campaigns").get_data(as_text=True)
    notify(user_id=kol.id, kind="invitation", link="/campaigns", title="Serum launch")
    db.session.commit()  # by someone else (another request, a job)
    html = client.get("/campaigns").get_data(as_text=True)
    assert '<span class="bell-count">1</span>' in html
    # Marking it read is the viewer's own commit: the badge goes at once.
    post_form(client, "/notifications/read-all", page="/notifications")
    assert "bell-count" not in client.get("/campaigns").get_data(as_text=True)


def test_a_new_campaign_shows_at_once_and_a_signed_out_cookie_gets_no_cached_page(app, cache_on):
    from tests.factories import make_campaign

    _kol, client = _kol_client(app)
    client.get("/campaigns")
    make_campaign(title="Brand new campaign")
    db.session.commit()
    assert "Brand new campaign" in client.get("/campaigns").get_data(as_text=True)
    cookie = client.get_cookie("session").value
    post_form(client, "/auth/logout", page="/campaigns")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    html = thief.get("/campaigns").get_data(as_text=True)
    assert "Sign out" not in html and "Kol Viewer" not in html


@pytest.mark.redis
def test_with_redis_a_repeat_costs_no_query_and_a_stale_session_never_gets_the_page(
    app, shared_versions
):
    _kol, client = _kol_client(app)
    client.get("/campaigns")  # shows the "Signed in." flash: not cached
    client.get("/campaigns")  # rendered and kept
    again, page = statements(client, "/campaigns")
    assert again == 0 and page.status_code == 200 and "Sign out" in page.get_data(as_text=True)
    # Another browser signs out everywhere: the copied cookie of this one is refused.
    cookie = client.get_cookie("session").value
    post_form(client, "/auth/logout", page="/campaigns")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert "Sign out" not in thief.get("/campaigns").get_data(as_text=True)


@pytest.mark.redis
def test_with_redis_a_disabled_account_gets_no_cached_page_and_protection_still_runs(
    app, shared_versions
):
    kol, client = _kol_client(app)
    client.get("/campaigns")
    client.get("/campaigns")  # cached
    # The same cookie from another browser: Flask-Login's session protection still runs on a
    # hit (for a permanent session it marks the session not fresh, as on any page).
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    other.get("/campaigns", headers={"User-Agent": "Other/1.0"})
    with other.session_transaction() as stolen:
        assert stolen.get("_fresh") is False
    # An admin disables the account (another request): the cached page is not served.
    kol.is_disabled = True
    db.session.commit()
    assert "Sign out" not in client.get("/campaigns").get_data(as_text=True)


def test_a_full_cache_drops_expired_then_the_oldest_entries_not_everything(app, cache_on):
    import time as clock

    now = clock.monotonic()
    with app.test_request_context():
        for i in range(pagecache.MAX_ENTRIES // 2):  # expired pages of viewers gone away
            pagecache._store.entries[("old", i)] = (now - 1, "stale")
        for i in range(pagecache.MAX_ENTRIES - len(pagecache._store.entries)):
            pagecache._store.entries[("live", i)] = (now + 60, "fresh")
        assert pagecache.cached(("new",), lambda: "built") == "built"
        entries = pagecache._store.entries
        assert not any(key[0] == "old" for key in entries)  # expired went first
        assert ("live", 0) in entries and ("new",) in entries  # live pages kept
        # Full of live entries: the older half goes, the newest stay.
        for i in range(pagecache.MAX_ENTRIES - len(entries)):
            entries[("more", i)] = (now + 60, "fresh")
        pagecache.cached(("newest",), lambda: "built")
        assert ("live", 0) not in entries and ("newest",) in entries
        assert pagecache.MAX_ENTRIES // 2 <= len(entries) < pagecache.MAX_ENTRIES


def test_the_explore_api_repeats_from_the_cache_and_shows_changes_at_once(app, cache_on, views):
    note = published_note(title="Listed once")
    client = app.test_client()
    url = "/api/v1/explore?per_page=5"
    first, response = statements(client, url)
    again, repeat = statements(client, url)
    assert first > 0 and again == 0
    assert repeat.get_json() == response.get_json()
    assert repeat.mimetype == "application/json"
    assert [n["title"] for n in repeat.get_json()["items"]] == ["Listed once"]
    note.title = "Listed after the edit"
    db.session.commit()
    assert client.get(url).get_json()["items"][0]["title"] == "Listed after the edit"
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    assert client.get(url).get_json()["items"] == []
    # Another page size or page is its own entry, never another entry's body.
    assert client.get("/api/v1/explore?per_page=1&page=2").get_json()["page"] == 2


# --- scopes: a change drops only the pages built from what it touched ------------------------


def _unrelated_pair():
    """Two published notes that do not list each other as related (other category, tags)."""
    a = published_note(title="Note A")
    b = published_note(campaign_for(category="food"), title="Note B")
    b.hashtags = "#noodles"
    db.session.commit()
    return a, b


def _comment(note, body: str) -> None:
    db.session.add(NoteComment(note_id=note.id, user_id=make_user().id, body=body))
    db.session.commit()


def test_a_comment_on_one_note_leaves_another_notes_page_cached(app, cache_on, views):
    a, b = _unrelated_pair()
    client = app.test_client()
    url_a, url_b = f"/n/{a.id}-{a.slug}", f"/n/{b.id}-{b.slug}"
    for url in (url_a, url_b):
        client.get(url, headers=BROWSER)  # both kept
    _comment(a, "Love this serum")
    queries_b, page_b = statements(client, url_b, headers=BROWSER)
    assert queries_b == 0 and "Note B" in page_b.get_data(as_text=True)
    assert "Love this serum" in client.get(url_a, headers=BROWSER).get_data(as_text=True)


def test_a_comment_keeps_lists_that_do_not_show_the_note(app, cache_on, views):
    a, _b = _unrelated_pair()
    client = app.test_client()
    client.get("/tags/noodles", headers=BROWSER)  # lists B only
    _comment(a, "First!")
    again, page = statements(client, "/tags/noodles", headers=BROWSER)
    assert again == 0 and "Note B" in page.get_data(as_text=True)


def test_a_note_taken_down_leaves_explore_and_its_tag_page_at_once(app, cache_on, views):
    a, _b = _unrelated_pair()
    client = app.test_client()
    for url in ("/explore", "/tags/glowserum", "/api/v1/explore"):
        assert "Note A" in client.get(url, headers=BROWSER).get_data(as_text=True)
    a.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    for url in ("/explore", "/tags/glowserum", "/api/v1/explore"):
        assert "Note A" not in client.get(url, headers=BROWSER).get_data(as_text=True)
    assert "Note B" in client.get("/explore", headers=BROWSER).get_data(as_text=True)


def test_a_renamed_kol_shows_on_their_notes_page_at_once(app, cache_on, views):
    a, _b = _unrelated_pair()
    url = f"/n/{a.id}-{a.slug}"
    client = app.test_client()
    client.get(url, headers=BROWSER)
    db.session.get(KolProfile, a.kol_id).display_name = "Renamed Creator"
    db.session.commit()
    assert "Renamed Creator" in client.get(url, headers=BROWSER).get_data(as_text=True)


@pytest.mark.redis
def test_with_redis_other_processes_drop_only_the_changed_scopes(app, shared_versions):
    """Another process's change arrives through the stream: only the entries built from the
    scopes it names go; a gap in the stream (trimmed, Redis restarted) drops everything."""
    import time as clock

    with app.test_request_context():
        pagecache._store.checked, pagecache._store.seen = 0.0, None  # a process starting
        pagecache.cached(("warm",), lambda: "x", scopes=("note:1",))  # first look: synced
        pagecache.cached(("a",), lambda: "page of 1", scopes=("note:1",))
        pagecache.cached(("b",), lambda: "page of 2", scopes=("note:2",))
        pagecache.cached(("other",), lambda: "unscoped")
        shared_versions.xadd(pagecache.STREAM_KEY, {"s": "note:1"})  # another process
        pagecache._store.checked = 0.0
        pagecache.cached(("c",), lambda: "built", scopes=("note:3",))
        assert set(pagecache._store.entries) == {("b",), ("other",), ("c",)}
        shared_versions.delete(pagecache.STREAM_KEY)  # Redis restarted, then a change
        clock.sleep(0.005)  # a restart takes longer than the millisecond stream ids count in
        shared_versions.xadd(pagecache.STREAM_KEY, {"s": "note:9"})
        pagecache._store.checked = 0.0
        pagecache.cached(("d",), lambda: "built", scopes=("note:4",))
        assert set(pagecache._store.entries) == {("d",)}


@pytest.mark.redis
def test_with_redis_a_kept_dashboard_costs_no_query_and_only_its_brand_gets_it(
    app, shared_versions
):
    """The dashboard is served before its access check (served_to_viewer_first): a hit costs
    no query, not even the account's, and is only ever the page its own brand built."""
    from app.analytics.rollups import ingest_events
    from tests.analytics.support import event as tracking_event
    from tests.factories import make_kol

    brand = make_user("brand")
    campaign = campaign_for(brand)
    note = published_note(campaign)
    ingest_events([tracking_event(note, visitor=f"{i:032x}") for i in range(5)])
    db.session.commit()
    url = f"/analytics/campaigns/{campaign.id}"
    client = signed_in(app, brand)
    client.get("/")  # shows the "Signed in." flash: not cached
    built = client.get(url).get_data(as_text=True)
    again, page = statements(client, url)
    assert again == 0 and page.get_data(as_text=True) == built
    kol = signed_in(app, make_kol())
    assert kol.get(url).status_code == 403  # the role check still runs for everyone else
    other = signed_in(app, make_user("brand"))
    assert other.get(url).status_code == 404


def _copy(client, name: str, html: str, left: float) -> None:
    """A page of figures another process put in Redis, ``left`` seconds before it expires."""
    from app import viewer_cache

    client.set(viewer_cache.SHARED_PAGE.format(name), html, px=int(left * 1000))


def _readers_at_once(client, key: tuple, n: int = 6) -> tuple[list[str], list[int]]:
    """``n`` web processes whose own copy of ``key`` expired ask for it at the same moment
    (threads calling the shared build); what each got and how many builds ran."""
    import threading
    import time

    from app import viewer_cache

    builds: list[int] = []

    def render() -> str:
        builds.append(1)
        time.sleep(0.3)  # the rollup sums: the others arrive meanwhile
        return "fresh figures"

    pages: list[str] = []
    start = threading.Barrier(n)

    def reader() -> None:
        start.wait()
        pages.append(viewer_cache._shared(client, key, render, 5.0)())

    threads = [threading.Thread(target=reader) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pages, builds


@pytest.mark.redis
def test_with_redis_readers_at_expiry_cause_exactly_one_rebuild(app, shared_versions):
    """Issue 26: the first shared copy expired in every worker at once and each rebuilt it (a
    herd). Now, with no copy left, one process builds and the others wait for its copy; past
    half its life, one process refreshes it while the others serve the current copy at once."""
    import hashlib

    key = ("viewer", 1, 1, b"0", None, None, "", "analytics.overview", b"")
    pages, builds = _readers_at_once(shared_versions, key)
    assert len(builds) == 1 and pages == ["fresh figures"] * 6
    pages, builds = _readers_at_once(shared_versions, key)  # a fresh copy: nobody builds
    assert builds == [] and pages == ["fresh figures"] * 6

    name = hashlib.sha256(repr(key).encode()).hexdigest()
    shared_versions.delete(f"pagecache:figures:{name}:refresh")
    _copy(shared_versions, name, "older figures", left=2.0)  # past half of its 5 s
    pages, builds = _readers_at_once(shared_versions, key)
    assert len(builds) == 1
    assert sorted(pages) == ["fresh figures"] + ["older figures"] * 5  # nobody waited
    pages, builds = _readers_at_once(shared_versions, key)  # the refreshed copy, for all
    assert builds == [] and pages == ["fresh figures"] * 6


@pytest.mark.redis
def test_with_redis_the_overview_is_built_once_per_reader_for_every_process(app, shared_versions):
    """Issue 26: the overview one process built is served by another from Redis (its account
    loaded, no figure read), kept there at most half the seconds the page states; another
    brand never gets it, and "Refresh now" still reads afresh."""
    import time

    brand, other = make_user("brand"), make_user("brand")
    mine, theirs = campaign_for(brand, title="Mine only"), campaign_for(other, title="Theirs")
    reader, outsider = signed_in(app, brand), signed_in(app, other)
    for client in (reader, outsider):
        client.get("/")  # shows the "Signed in." flash: not kept
    first = reader.get("/analytics").get_data(as_text=True)  # built here, shared in Redis
    assert mine.title in first and "Figures are at most 5 seconds old." in first
    pagecache._store.clear()  # another process: nothing of its own
    again, page = statements(reader, "/analytics")
    assert again == 1 and page.get_data(as_text=True) == first  # the account only
    seconds = app.config["ANALYTICS_DASHBOARD_SECONDS"]
    ((until, _html),) = pagecache._store.entries.values()
    assert until - time.monotonic() <= seconds / 2
    pagecache._store.clear()
    theirs_page = outsider.get("/analytics").get_data(as_text=True)
    assert theirs.title in theirs_page and mine.title not in theirs_page
    pagecache._store.clear()
    assert reader.get("/analytics").get_data(as_text=True) == first  # still its own
    fresh, page = statements(reader, "/analytics?refresh=1")
    assert fresh > 1 and mine.title in page.get_data(as_text=True)


@pytest.mark.redis
def test_with_redis_a_campaigns_dashboard_and_stats_are_built_once_for_every_process(
    app, shared_versions
):
    """Issue 26: the campaign dashboard and its stats API, like the overview, are read from
    the rollups by one process for all of them: another process serves the copy in Redis
    after its own access check, with no figure read; another brand never gets it."""
    from app.analytics.rollups import ingest_events
    from tests.analytics.support import event as tracking_event
    from tests.factories import make_api_key

    brand, other = make_user("brand"), make_user("brand")
    campaign = campaign_for(brand)
    ingest_events([tracking_event(published_note(campaign), visitor=f"{i:032x}") for i in range(7)])
    db.session.commit()
    url, stats = f"/analytics/campaigns/{campaign.id}", f"/api/v1/campaigns/{campaign.id}/stats"
    reader = signed_in(app, brand)
    reader.get("/")  # shows the "Signed in." flash: not kept
    page = reader.get(url).get_data(as_text=True)  # built here, shared in Redis
    assert "Figures are at most 5 seconds old." in page
    pagecache._store.clear()  # another process: nothing of its own
    again, served = statements(reader, url)
    assert again == 1 and served.get_data(as_text=True) == page  # the account only

    api, key = app.test_client(), {"Authorization": f"Bearer {make_api_key(brand)}"}
    read, first = _tables_read(api, stats, headers=key)  # built here, shared in Redis
    assert first.get_json()["totals"]["views"] == 7 and "analytics_hourly" in read
    pagecache._store.clear()
    read, served = _tables_read(api, stats, headers=key)
    assert served.get_json() == first.get_json()
    assert "campaigns" in read and not any(t.startswith("analytics") for t in read)
    outsider = {"Authorization": f"Bearer {make_api_key(other)}"}
    assert app.test_client().get(stats, headers=outsider).status_code == 404


def _tables_read(client, url: str, **kwargs) -> tuple[set[str], object]:
    """The tables the request's SELECTs read (FROM and JOIN), and the response."""
    tables: set[str] = set()

    def listener(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT"):
            tables.update(re.findall(r"(?:FROM|JOIN) (\w+)", statement))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return tables, response


@pytest.mark.redis
def test_with_redis_a_page_of_figures_is_not_rebuilt_while_nothing_it_shows_changed(
    app, shared_versions
):
    """Issue 26: a dashboard was rebuilt every few seconds whether or not anything changed.
    When its refresh is due (or it is past its seconds: nobody asked meanwhile), a copy whose
    stamps (app/stamps.py) have not moved is fresh again instead of rebuilt; its own brand's
    change, or a change naming no brand, rebuilds it; another brand's change does not; and it
    is rebuilt STAMP_MAX_AGE after its build whatever the stamps say."""
    import hashlib
    import time

    from app import stamps, viewer_cache

    key = ("viewer", 7, 1, b"0", None, None, "", "analytics.campaign", 5, b"")
    builds: list[int] = []

    def render() -> str:
        builds.append(1)
        return f"figures {len(builds)}"

    shared = viewer_cache._shared(shared_versions, key, render, 5.0, stamps.keys_for_brand(41))
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    record = viewer_cache.SHARED_PAGE.format(name) + ":stamps"

    def due(age: float = 3.0, built_ago: float | None = None) -> str:
        """Another process asks ``age`` seconds after the copy was last known current."""
        seen, built, _at = shared_versions.get(record).decode().split("|")
        built = str(time.time() - built_ago) if built_ago is not None else built
        shared_versions.set(record, f"{seen}|{built}|{time.time() - age}", keepttl=True)
        shared_versions.delete(viewer_cache.SHARED_LOCK.format(name))
        return shared()

    def current_at() -> float:
        return float(shared_versions.get(record).decode().split("|")[2])

    assert shared() == "figures 1"
    assert due() == "figures 1" and current_at() > time.time() - 1  # fresh for another 5 s
    assert due(age=40) == "figures 1"  # nobody asked for 40 s, nothing changed
    stamps.bump(brands=[99])  # another brand's order
    assert due() == "figures 1"
    stamps.bump(brands=[41])  # its own brand's
    assert due() == "figures 2"
    assert due() == "figures 2"
    stamps.bump(everything=True)  # a change that names no brand
    assert due(age=40) == "figures 3"
    assert due(built_ago=stamps.STAMP_MAX_AGE + 1) == "figures 4"  # too old to be kept
    assert builds == [1, 1, 1, 1]


@pytest.mark.redis
def test_with_redis_committed_changes_and_stored_tracking_move_their_brands_stamps(
    app, shared_versions
):
    from app import stamps
    from app.analytics import pipeline
    from app.analytics.event_rows import encode_rows
    from tests.analytics.support import event as tracking_event

    brand, other = make_user("brand"), make_user("brand")
    campaign = campaign_for(brand)

    def stamps_of(brand_id: int) -> list:
        return shared_versions.mget(stamps.keys_for_brand(brand_id))

    before, theirs = stamps_of(brand.id), stamps_of(other.id)
    note = published_note(campaign)  # commits rows naming the brand (its note, contract …)
    after = stamps_of(brand.id)
    assert after[1] != before[1] and stamps_of(other.id)[1] == theirs[1]
    make_user("kol")  # a row naming no brand: every page of figures
    assert stamps_of(other.id)[0] != theirs[0]

    after = stamps_of(brand.id)
    rows = encode_rows([tracking_event(note, visitor=f"{i:032x}") for i in range(3)])
    pipeline._store_and_ack(shared_versions, "analytics:test", ["0-1"], rows, 3)
    assert stamps_of(brand.id)[1] != after[1]  # the writer stored the campaign's events


def test_without_redis_a_page_of_figures_is_kept_here_its_whole_seconds(app, cache_on):
    """No Redis: as before issue 26's shared copy, each process keeps its own for the whole
    ANALYTICS_DASHBOARD_SECONDS (nothing halved, nothing asked of Redis)."""
    import time

    client = signed_in(app, make_user("finance"))
    client.get("/")  # the "Signed in." flash
    client.get("/finance")
    again, page = statements(client, "/finance")
    assert again <= 1 and "Figures are at most 5 seconds old." in page.get_data(as_text=True)
    ((until, _html),) = pagecache._store.entries.values()
    assert until - time.monotonic() > app.config["ANALYTICS_DASHBOARD_SECONDS"] / 2


def test_redis_not_answering_a_page_of_figures_is_built_here(app):
    """Redis down: the shared build reads the figures here instead of failing the page."""
    from app import viewer_cache

    class Down:
        def pipeline(self, **_kwargs):
            raise ConnectionError("redis down")

        set = pipeline

    shared = viewer_cache._shared(Down(), ("viewer", 1), lambda: "figures here", 5.0)
    assert shared() == "figures here"


def test_pages_and_kept_keys_are_dropped_when_the_change_commits_not_at_a_savepoint(
    app, monkeypatch
):
    """SQLAlchemy calls after_commit when a SAVEPOINT is released too (every ledger entry
    makes one): dropped then, before the commit, a page could be built again from the rows as
    they were and kept, with nothing dropped when the change commits."""
    from app import key_cache
    from app.auth.models import User
    from tests.factories import make_campaign

    dropped: list[set] = []
    monkeypatch.setattr(pagecache, "invalidate", lambda scopes=None: dropped.append(scopes))
    monkeypatch.setattr(pagecache, "touch_viewers", lambda ids: dropped.append({"viewers"}))
    monkeypatch.setattr(key_cache, "drop_api_keys", lambda **kwargs: dropped.append({"api keys"}))
    with app.app_context():
        campaign = make_campaign()
        dropped.clear()
        campaign.title = "Summer skincare launch"
        db.session.get(User, campaign.brand_id).email = "summer@glowlab.example.com"
        db.session.flush()
        with db.session.begin_nested():
            pass
        assert dropped == []  # still uncommitted
        db.session.commit()
        assert {"all", f"campaign:{campaign.id}"} <= set().union(*dropped)
        assert {"viewers", "api keys"} <= set().union(*dropped)
