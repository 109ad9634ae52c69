"""The personal feed: notes of followed KOLs and in one's interests, Newest and Trending tabs,
an empty state with suggestions, and a constant number of queries whatever the page size."""

from __future__ import annotations

from app.auth.models import Role
from app.engagement import services
from app.engagement.shoppers import update_shopper_profile
from app.extensions import db
from tests.analytics.support import campaign_for
from tests.conftest import sign_in
from tests.engagement.support import member, published_note
from tests.factories import make_kol
from tests.queries import count_queries


def note_in(category: str, *, kol=None, title="A note"):
    return published_note(campaign_for(category=category), kol, title=title)


def test_followed_kols_notes_are_in_and_unrelated_ones_out(client):
    kol = make_kol(verified=True)
    followed = note_in("tech", kol=kol, title="Followed creator note")
    note_in("tech", title="Stranger note")
    viewer = member()
    sign_in(client, viewer)
    services.follow(viewer, kol.id)
    db.session.commit()
    html = client.get("/feed").get_data(as_text=True)
    assert "Followed creator note" in html and "Stranger note" not in html
    assert f"/n/{followed.id}-" in html


def test_notes_in_my_interests_are_in(client):
    note_in("food", title="Dumpling tour")
    note_in("fitness", title="Leg day")
    viewer = member()
    sign_in(client, viewer)
    update_shopper_profile(user_id=viewer.id, display_name="Me", interests=["food"])
    db.session.commit()
    html = client.get("/feed").get_data(as_text=True)
    assert "Dumpling tour" in html and "Leg day" not in html
    assert "Dumpling tour" in client.get("/feed?tab=trending").get_data(as_text=True)


def test_unpublished_notes_never_show(client):
    note = note_in("food", title="Gone soon")
    note.status = "taken_down"
    db.session.commit()
    viewer = member()
    sign_in(client, viewer)
    update_shopper_profile(user_id=viewer.id, display_name="Me", interests=["food"])
    db.session.commit()
    assert "Gone soon" not in client.get("/feed").get_data(as_text=True)


def test_an_empty_feed_suggests_kols_and_interests(client):
    kol = make_kol(verified=True, name="Suggested Sue")
    sign_in(client, member())
    html = client.get("/feed").get_data(as_text=True)
    assert "Your feed is empty" in html and "Suggested Sue" in html
    assert f"/kols/{kol.id}" in html and 'href="/profile"' in html


def test_brands_and_kols_have_a_feed_too(client):
    for role in (Role.BRAND, Role.KOL):
        sign_in(client, member(role))
        assert client.get("/feed").status_code == 200
        assert client.get("/wishlist").status_code == 200
        client.post("/auth/logout", data={"csrf_token": _token(client)})


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def test_staff_have_no_feed(client):
    sign_in(client, member(Role.FINANCE))
    assert client.get("/feed").status_code == 403


def test_the_feed_queries_do_not_grow_with_the_page(client):
    kol = make_kol(verified=True)
    viewer = member()
    sign_in(client, viewer)
    update_shopper_profile(user_id=viewer.id, display_name="Me", interests=["food"])
    services.follow(viewer, kol.id)
    note_in("tech", kol=kol)
    note_in("food")
    db.session.commit()
    for tab in ("newest", "trending"):
        with count_queries() as few:
            assert client.get(f"/feed?tab={tab}").status_code == 200
        for _ in range(4):
            note_in("tech", kol=kol)
            note_in("food", kol=make_kol(verified=True))
        with count_queries() as many:
            html = client.get(f"/feed?tab={tab}").get_data(as_text=True)
        assert html.count('class="note-card card-link"') > 2
        assert len(many) == len(few), tab


def test_other_members_follows_do_not_leak_into_my_feed(client):
    kol = make_kol(verified=True)
    note_in("tech", kol=kol, title="Their favourite")
    services.follow(member(), kol.id)
    db.session.commit()
    sign_in(client, member())
    assert "Their favourite" not in client.get("/feed").get_data(as_text=True)
