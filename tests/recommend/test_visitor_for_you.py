"""For you for signed-out visitors (/explore?tab=foryou, issue 24): the notes a visitor read,
known by the first-party visitor cookie the tracking sets, lead to the job's related notes of
those notes; a new visitor gets trending; one visitor's list never reaches another through the
shared page cache; flagged engagement never links notes."""

from __future__ import annotations

import re

import pytest

from app.analytics import pipeline
from app.analytics.tracking import VISITOR_COOKIE
from app.auth.models import Role
from app.extensions import db
from app.recommend.jobs import recompute_recommendations
from app.recommend.queries import for_visitor
from tests.analytics.support import BROWSER, campaign_for
from tests.conftest import sign_in
from tests.engagement.support import member, page, published_note
from tests.factories import make_user

FOR_YOU = "/explore?tab=foryou"
CARD_TITLES = re.compile(r'data-for-you="(\w+)"')


def note_in(category: str, title: str):
    return published_note(campaign_for(category=category), title=title)


def liked_together(notes, people: int = 5, *, days_old: int = 30) -> None:
    from app.engagement import services

    for _ in range(people):
        person = member(days_old=days_old)
        for note in notes:
            services.like(person, note.id)
    db.session.commit()


@pytest.fixture
def tastes():
    """Beauty notes read together (serum, toner), food notes read together (dumplings,
    noodles), and a lone lipstick, with the job run."""
    notes = {
        t: note_in(c, t)
        for t, c in (("Serum", "beauty"), ("Toner", "beauty"), ("Lipstick", "beauty"),
                     ("Dumplings", "food"), ("Noodles", "food"))
    }  # fmt: skip
    liked_together([notes["Serum"], notes["Toner"]])
    liked_together([notes["Dumplings"], notes["Noodles"]])
    liked_together([notes["Lipstick"]], 2)
    return notes


def read(client, *notes) -> None:
    """The visitor opens the notes' pages; the tracking writer stores the views (with Redis,
    the scheduled drain: run here at once)."""
    for note in notes:
        assert client.get(page(note), headers=BROWSER).status_code == 200
    if pipeline.use_redis():
        pipeline.drain_all(min_idle_ms=0)


def titles(html: str, notes: dict) -> list[str]:
    """The titles of ``notes`` in the order the page shows them."""
    grid = html[html.index('class="note-grid"') :] if 'class="note-grid"' in html else ""
    found = [(grid.index(f">{t}<"), t) for t in notes if f">{t}<" in grid]
    return [t for _at, t in sorted(found)]


def test_a_visitor_gets_notes_related_to_what_they_read_first_not_those_read(app, tastes):
    recompute_recommendations()
    visitor = app.test_client()
    read(visitor, tastes["Serum"])
    response = visitor.get(FOR_YOU, headers=BROWSER)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CARD_TITLES.search(html).group(1) == "personal"
    shown = titles(html, tastes)
    assert shown[0] == "Toner"  # read together with serum by the same people
    assert "Serum" not in shown  # already read
    # Then what trends in the same topic before the other one.
    assert shown.index("Lipstick") < shown.index("Dumplings")
    assert 'aria-current="page">For you<' in html
    # No session: the visitor cookie is all a visitor ever gets, and it is only read here.
    assert response.headers.getlist("Set-Cookie") == []


def test_the_list_follows_the_visitors_taste(app, tastes):
    recompute_recommendations()
    visitor = app.test_client()
    read(visitor, tastes["Dumplings"])
    feed = for_visitor(visitor.get_cookie(VISITOR_COOKIE).value, limit=24)
    assert [n.title for n in feed.items[: feed.related]] == ["Noodles"]
    assert "Dumplings" not in [n.title for n in feed.items]


def test_a_new_visitor_gets_trending_and_is_told_so(app, tastes):
    response = app.test_client().get(FOR_YOU, headers=BROWSER)
    html = response.get_data(as_text=True)
    assert CARD_TITLES.search(html).group(1) == "trending"
    assert "You have not read any notes here yet, so these are trending." in html
    assert set(titles(html, tastes)) == set(tastes)
    assert response.headers.getlist("Set-Cookie") == []


def test_another_visitor_never_sees_the_first_ones_list(app, tastes, cache_on):
    recompute_recommendations()
    first, second = app.test_client(), app.test_client()
    read(first, tastes["Serum"])
    mine = first.get(FOR_YOU, headers=BROWSER)
    assert "private" in mine.headers["Cache-Control"]
    assert "no-store" in mine.headers["Cache-Control"]
    assert titles(mine.get_data(as_text=True), tastes)[0] == "Toner"
    for _visit in range(2):  # the second time from the page cache, were it shared
        theirs = second.get(FOR_YOU, headers=BROWSER).get_data(as_text=True)
        assert CARD_TITLES.search(theirs).group(1) == "trending"
        assert "Serum" in titles(theirs, tastes)
    read(second, tastes["Dumplings"])
    theirs = second.get(FOR_YOU, headers=BROWSER).get_data(as_text=True)
    assert titles(theirs, tastes)[0] == "Noodles" and "Dumplings" not in theirs
    # The shared /explore never carries a personal list either.
    assert "data-for-you" not in first.get("/explore", headers=BROWSER).get_data(as_text=True)


def test_flagged_engagement_never_links_what_a_visitor_reads(app, tastes):
    perfume = note_in("beauty", "Perfume")
    # A burst of brand-new accounts liking serum and perfume together: flagged.
    liked_together([tastes["Serum"], perfume], 8, days_old=0)
    recompute_recommendations()
    visitor = app.test_client()
    read(visitor, tastes["Serum"])
    feed = for_visitor(visitor.get_cookie(VISITOR_COOKIE).value, limit=24)
    related = [n.title for n in feed.items[: feed.related]]
    assert related == ["Toner"] and "Perfume" not in related


def test_signed_in_people_keep_their_own_for_you_on_the_feed(client):
    sign_in(client, make_user(Role.SHOPPER))
    response = client.get(FOR_YOU)
    assert response.status_code == 302 and response.headers["Location"] == "/feed?tab=foryou"
