"""Every main page issues at most 10 SQL statements, and as many with a full page of data as
with two rows: no query per item (N+1), whatever the page size."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.analytics.tracking import VISITOR_COOKIE
from app.auth.models import Role
from app.db_types import utcnow
from app.extensions import db
from tests.analytics.support import BROWSER, published_note
from tests.analytics.support import event as tracking_event
from tests.conftest import signed_in
from tests.factories import make_api_key, make_campaign, make_kol, make_user

LIMIT = 10


# The test's own transaction plumbing (savepoints; SQLite's BEGIN), not the page's queries.
PLUMBING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "PRAGMA")


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(PLUMBING):
            self.count += 1


@pytest.fixture(autouse=True)
def tracked(monkeypatch):
    """Views go to the Redis buffer in production (one XADD, no SQL); here they are collected
    so the counts are the page's own queries. Each note page still records its view."""
    from app.analytics import pipeline

    events: list[dict] = []

    def accept(batch):
        events.extend(batch)
        return "redis"

    monkeypatch.setattr(pipeline, "accept_events", accept)
    return events


def queries(client, url: str, **kwargs) -> int:
    """SQL statements one request issues (the page must answer 200)."""
    counter = Queries()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, url
    return counter.count


def market(notes: int) -> dict:
    """A brand, two verified KOLs and ``notes`` published notes (one campaign each, plus a
    dashboard campaign holding the first notes), with tracked traffic and open campaigns."""
    from app.analytics.rollups import ingest_events
    from app.engagement.models import KolFollow
    from app.engagement.services import like
    from app.recommend.jobs import recompute_recommendations

    brand = make_user(Role.BRAND)
    kols = [make_kol(verified=True), make_kol(verified=True)]
    dashboard = make_campaign(brand, title="Dashboard", notes_wanted=50, budget=10_000_000)
    made = []
    for i in range(notes):
        campaign = dashboard if i < min(notes, 2) else make_campaign(brand, title=f"Open {i}")
        made.append(published_note(campaign, kols[i % 2], title=f"Note {i}"))
    now = time.time()
    ingest_events(
        [tracking_event(n, visitor=f"{i:032x}", at=now - i * 3600) for i, n in enumerate(made)]
        + [tracking_event(n, "click", at=now - 60) for n in made]
    )
    db.session.add(KolFollow(follower_id=brand.id, kol_id=kols[0].id))
    # Old enough to be trusted, with a like: For you reads the job's rows for the brand.
    brand.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    like(brand, made[-1].id)
    recompute_recommendations()
    return {"brand": brand, "kol": kols[0], "dashboard": dashboard, "note": made[0]}


PUBLIC_PAGES = ("note", "/explore", "/explore?tab=trending", "/explore?tab=foryou")


def page_counts(app, data: dict) -> dict[str, int]:
    note = data["note"]
    counts = {}
    visitor = app.test_client()
    for page in PUBLIC_PAGES:
        url = f"/n/{note.id}-{note.slug}" if page == "note" else page
        counts[page] = queries(visitor, url, headers=BROWSER)
    assert [e["n"] for e in data["tracked"] if e["k"] == "view"] == [note.id]
    # A visitor's For you with history: the visitor who read the first note (market()).
    returning = app.test_client()
    returning.set_cookie(VISITOR_COOKIE, f"{0:032x}")
    counts["/explore?tab=foryou (read notes)"] = queries(
        returning, "/explore?tab=foryou", headers=BROWSER
    )
    kol = signed_in(app, data["kol"])
    counts["/campaigns"] = queries(kol, "/campaigns?per_page=100", headers=BROWSER)
    counts["note (signed in)"] = queries(kol, f"/n/{note.id}-{note.slug}", headers=BROWSER)
    brand = signed_in(app, data["brand"])
    counts["dashboard"] = queries(brand, f"/analytics/campaigns/{data['dashboard'].id}")
    counts["/feed"] = queries(brand, "/feed")
    counts["/feed?tab=foryou"] = queries(brand, "/feed?tab=foryou")
    counts["/kols/like-sold"] = queries(brand, "/kols/like-sold")
    counts["/analytics"] = queries(brand, "/analytics")
    counts["/finance"] = queries(signed_in(app, make_user(Role.FINANCE)), "/finance")
    api = app.test_client()
    key = make_api_key(data["kol"])
    auth = {"Authorization": f"Bearer {key}"}
    counts["/api/v1/campaigns"] = queries(api, "/api/v1/campaigns?per_page=100", headers=auth)
    counts["/api/v1/explore"] = queries(api, "/api/v1/explore", headers=auth)
    counts["/api/v1/contracts"] = queries(api, "/api/v1/contracts?per_page=100", headers=auth)
    brand_auth = {"Authorization": f"Bearer {make_api_key(data['brand'])}"}
    counts["/api/v1/bids"] = queries(api, "/api/v1/bids?per_page=100", headers=brand_auth)
    counts["/api/v1/contracts (brand)"] = queries(
        api, "/api/v1/contracts?per_page=100", headers=brand_auth
    )
    counts["campaign stats API"] = queries(
        api, f"/api/v1/campaigns/{data['dashboard'].id}/stats", headers=brand_auth
    )
    return counts


@pytest.fixture
def small(app, tracked):
    return page_counts(app, {**market(2), "tracked": tracked})


def test_every_main_page_stays_within_ten_queries_with_little_data(small):
    over = {page: n for page, n in small.items() if n > LIMIT}
    assert not over, f"pages over {LIMIT} queries: {over} (all: {small})"


def test_a_full_page_of_data_costs_no_more_queries_than_little_data(app, small, tracked):
    """40 notes fill /explore's first page (24) and a second one; the KOL's discovery page
    lists 40 campaigns at per_page=100; the dashboard has notes with traffic."""
    tracked.clear()
    large = page_counts(app, {**market(40), "tracked": tracked})
    over = {page: n for page, n in large.items() if n > LIMIT}
    assert not over, f"pages over {LIMIT} queries with a full page: {over} (all: {large})"
    grew = {page: (small[page], n) for page, n in large.items() if n > small[page]}
    assert not grew, f"queries grew with the page size (2 notes, 41 notes): {grew}"
