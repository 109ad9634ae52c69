"""/explore: Latest and Trending, search, category filter, pagination, constant queries."""

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.notes import queries, trending
from tests.factories import make_user
from tests.notes.support import draft_note, funded_contract, published_note
from tests.queries import count_queries


def _publish(brand, *, category="beauty", title="A note", hours_ago=0, **fields):
    note = published_note(funded_contract(brand=brand, category=category), title=title, **fields)
    note.published_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()
    return note


def test_latest_lists_published_notes_newest_first(client):
    brand = make_user("brand")
    old = _publish(brand, title="Old note", hours_ago=48)
    new = _publish(brand, title="New note", hours_ago=1)
    draft_note(funded_contract(brand=brand), title="Secret draft")
    html = client.get("/explore").get_data(as_text=True)
    assert html.index("New note") < html.index("Old note")
    assert "Secret draft" not in html
    assert [n.id for n in queries.explore_page().items] == [new.id, old.id]


def test_search_matches_title_and_body(client):
    brand = make_user("brand")
    _publish(brand, title="Kyoto temples", body="Autumn leaves everywhere #ad")
    _publish(brand, title="Serum review", body="My skin glows #ad")
    found = queries.explore_page(q="leaves").items
    assert [n.title for n in found] == ["Kyoto temples"]
    assert [n.title for n in queries.explore_page(q="serum").items] == ["Serum review"]
    html = client.get("/explore?q=kyoto").get_data(as_text=True)
    assert "Kyoto temples" in html and "Serum review" not in html
    empty = client.get("/explore?q=nothingmatches").get_data(as_text=True)
    assert "No published notes match" in empty


def test_category_filter(client):
    brand = make_user("brand")
    _publish(brand, category="travel", title="Travel note")
    _publish(brand, category="beauty", title="Beauty note")
    html = client.get("/explore?category=travel").get_data(as_text=True)
    assert "Travel note" in html and "Beauty note" not in html
    everything = client.get("/explore?category=not-a-category").get_data(as_text=True)
    assert "Travel note" in everything and "Beauty note" in everything


def test_pagination(client):
    brand = make_user("brand")
    for n in range(5):
        _publish(brand, title=f"Note {n}", hours_ago=n)
    first = queries.explore_page(page=1, per_page=2)
    third = queries.explore_page(page=3, per_page=2)
    assert (first.total, first.pages) == (5, 3)
    assert [n.title for n in first.items] == ["Note 0", "Note 1"]
    assert [n.title for n in third.items] == ["Note 4"]
    assert client.get("/explore?page=99").status_code == 200


def test_trending_decays_with_age_and_skips_old_notes():
    brand = make_user("brand")
    fresh = _publish(brand, title="Fresh", hours_ago=1)
    day_old = _publish(brand, title="Day old", hours_ago=24)
    _publish(brand, title="Ancient", hours_ago=24 * 60)
    trending = queries.explore_page(tab="trending").items
    assert [n.id for n in trending] == [fresh.id, day_old.id]


def test_trending_score_is_the_documented_decay():
    brand = make_user("brand")
    note = _publish(brand, hours_ago=10)
    from sqlalchemy import select

    from app.notes.models import Note

    now = note.published_at + timedelta(hours=10)
    score = db.session.scalar(select(trending.trending_score(now)).where(Note.id == note.id))
    assert abs(score - 1 / (12**1.5)) < 1e-6


def test_explore_has_a_constant_number_of_queries(client, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 60)
    brand = make_user("brand")
    for n in range(5):
        _publish(brand, title=f"Note {n}")
    with count_queries() as five:
        assert client.get("/explore").status_code == 200
    for n in range(45):
        note = published_note(funded_contract(brand=brand), title=f"More {n}", images=2)
    with count_queries() as fifty:
        response = client.get("/explore")
    assert response.get_data(as_text=True).count('class="note-card card-link') == 50
    assert note.title in response.get_data(as_text=True)
    assert len(fifty) == len(five)
    with count_queries() as trending:
        assert client.get("/explore?tab=trending&category=beauty&q=note").status_code == 200
    assert len(trending) == len(five) + 1  # numbered pages COUNT; Latest reads by cursor


def _activity(note, hours_ago=1, **counters):
    from app.analytics.rollups import hour_of, upsert_rollups

    at = hour_of(utcnow() - timedelta(hours=hours_ago))
    upsert_rollups(
        [{"note_id": note.id, "hour": at, "contract_id": note.contract_id,
          "campaign_id": note.campaign_id, "kol_id": note.kol_id, **counters}]
    )  # fmt: skip
    db.session.commit()


def _trending_ids():
    return [n.id for n in queries.explore_page(tab="trending").items]


def test_trending_ranks_more_viewed_and_liked_notes_first(client):
    brand = make_user("brand")
    quiet = _publish(brand, title="Quiet", hours_ago=5)
    viewed = _publish(brand, title="Viewed", hours_ago=5)
    liked = _publish(brand, title="Liked", hours_ago=5)
    quiet.published_at = viewed.published_at = liked.published_at  # otherwise equal
    db.session.commit()
    _activity(viewed, views=40)
    _activity(liked, views=40, likes=10, saves=5, comments=3)
    assert _trending_ids() == [liked.id, viewed.id, quiet.id]
    html = client.get("/explore?tab=trending").get_data(as_text=True)
    assert html.index("Liked") < html.index("Viewed") < html.index("Quiet")


def test_trending_activity_is_recent_and_decays():
    brand = make_user("brand")
    old_buzz = _publish(brand, title="Old buzz", hours_ago=5)
    new_buzz = _publish(brand, title="New buzz", hours_ago=5)
    new_buzz.published_at = old_buzz.published_at
    db.session.commit()
    _activity(old_buzz, hours_ago=4, views=50)  # three hours earlier…
    _activity(new_buzz, hours_ago=1, views=50)
    assert _trending_ids()[0] == new_buzz.id  # …weighs less than the same views just now
    expired = _publish(brand, title="Expired", hours_ago=5)
    expired.published_at = old_buzz.published_at
    db.session.commit()
    _activity(expired, hours_ago=24 * 8, views=10_000)  # outside the 7-day activity window
    now = utcnow()
    from sqlalchemy import select

    from app.notes.models import Note

    weight = db.session.scalar(select(trending.engagement_weight(now)).where(Note.id == expired.id))
    assert weight == 1.0


def test_trending_weight_is_the_documented_sum():
    brand = make_user("brand")
    note = _publish(brand, hours_ago=3)
    _activity(note, hours_ago=0, views=10, clicks=2, likes=3, saves=1, comments=1)
    from sqlalchemy import select

    from app.analytics.rollups import hour_of
    from app.notes.models import Note

    now = hour_of(utcnow())  # the activity hour itself: no decay yet
    weight = db.session.scalar(select(trending.engagement_weight(now)).where(Note.id == note.id))
    assert abs(weight - (1 + 10 + 5 * 2 + 2 * 3 + 4 * 1 + 3 * 1)) < 1e-6
