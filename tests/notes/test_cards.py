"""Notes as an image-led waterfall of cards (cover, title, the KOL's avatar, likes) on every
feed and profile page; the note page's carousel; KOL cards with recent covers in Find KOLs."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from app.auth.models import Role
from app.db_types import utcnow
from app.engagement.models import NoteLike
from app.extensions import db
from app.notes.models import NoteImage
from app.profiles.models import KolProfile
from tests.analytics.support import published_note
from tests.conftest import sign_in
from tests.factories import make_campaign, make_kol, make_user


def _note(brand, kol, title="Glow", images=1, age_hours=0):
    note = published_note(make_campaign(brand), kol, title=title)
    note.published_at = utcnow() - timedelta(hours=age_hours)
    for position in range(1, images + 1):
        file = f"{note.id:0>24}{position:0>4}.jpg"
        note.images.append(NoteImage(file=file, position=position, width=900, height=1200))
    db.session.commit()
    return note


def _cards(html: str) -> list[str]:
    return re.findall(r'<a class="note-card card-link".*?</a>\s*(?=<a class="note-card|</div>)',
                      html, re.S)  # fmt: skip


def test_explore_shows_cover_title_avatar_and_likes_on_each_card(client):
    brand, kol = make_user(Role.BRAND), make_kol(verified=True)
    db.session.get(KolProfile, kol.id).avatar = "a" * 24 + ".png"
    note = _note(brand, kol, title="Sunscreen diary")
    for _ in range(3):
        db.session.add(NoteLike(note_id=note.id, user_id=make_user(Role.SHOPPER).id))
    db.session.commit()
    html = client.get("/explore").get_data(as_text=True)
    (card,) = _cards(html)
    assert "Sunscreen diary" in card
    assert f"/media/thumb/{note.images[0].file}" in card and 'width="360" height="480"' in card
    assert f"/media/avatar/{'a' * 24}.png" in card
    assert re.search(r'class="note-card-likes".*?</span> 3</span>', card, re.S)
    assert 'class="note-grid"' in html


def test_a_brand_page_and_a_kol_page_show_their_published_notes_as_cards(client):
    brand, kol = make_user(Role.BRAND), make_kol(verified=True)
    first, second = _note(brand, kol, "First look"), _note(brand, kol, "Second look")
    other = _note(make_user(Role.BRAND), make_kol(verified=True), "Someone else's")
    page = client.get(f"/brands/{brand.id}").get_data(as_text=True)
    titles = re.findall(r'<strong class="note-card-title">([^<]+)</strong>', page)
    assert titles == ["Second look", "First look"]
    kol_page = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert len(_cards(kol_page)) == 2 and other.title not in kol_page
    assert first.images[0].file in kol_page and second.images[0].file in kol_page


def test_the_note_page_shows_every_image_in_a_carousel_with_dots(client):
    note = _note(make_user(Role.BRAND), make_kol(verified=True), images=3)
    html = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    carousel = html.split('class="note-carousel"')[1].split("</nav>")[0]
    assert carousel.count('class="note-slide"') == 3
    assert carousel.count('<a href="#image-') == 3
    assert 'width="900" height="1200"' in carousel  # never enlarged past the upload
    assert carousel.count('loading="lazy"') == 2  # the first image loads at once


def _count_queries(client, url: str) -> int:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    skip = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")
    return len([s for s in statements if not s.lstrip().upper().startswith(skip)])


def test_find_kols_cards_show_recent_covers_followers_rating_and_reliability(client):
    brand = make_user(Role.BRAND)
    kol = make_kol(verified=True, followers=12_345)
    notes = [_note(brand, kol, f"Note {i}", age_hours=i) for i in range(4)]
    sign_in(client, brand)
    html = client.get("/kols").get_data(as_text=True)
    card = html.split('class="card kol-card"')[1].split("</article>")[0]
    covers = re.findall(r"/media/thumb/(\w+)\.jpg", card)
    assert covers == [n.images[0].file[:-4] for n in notes[:3]]  # the newest three
    assert "12,345" in card and "Reliability" in card and "New" in card
    assert "Engagement" in card and "Rating" in card


def test_find_kols_loads_covers_for_a_whole_page_in_one_query(client):
    brand = make_user(Role.BRAND)
    sign_in(client, brand)
    kols = [make_kol(verified=True) for _ in range(2)]
    for kol in kols:
        _note(brand, kol)
    few = _count_queries(client, "/kols")
    for _ in range(6):
        kol = make_kol(verified=True)
        _note(brand, kol)
        _note(brand, kol)
    many = _count_queries(client, "/kols")
    assert many == few
    assert client.get("/kols").get_data(as_text=True).count('class="card kol-card"') == 8
