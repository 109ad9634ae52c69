"""Hashtag pages (/tags/<tag>), "#tag" in the search box, and suggestions as people type."""

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.profiles.models import KolProfile
from tests.factories import make_kol, make_user
from tests.notes.support import draft_note, funded_contract, published_note


def _publish(brand, *, title, hashtags="", body="#ad", hours_ago=0):
    hashtags = f"#glowserum {hashtags}"  # the campaign's required hashtag
    note = published_note(funded_contract(brand=brand), title=title, hashtags=hashtags, body=body)
    note.published_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()
    return note


def test_a_tag_page_lists_published_notes_with_that_tag_newest_first(client):
    brand = make_user("brand")
    _publish(brand, title="防晒霜测评", hashtags="#防晒 #夏天", hours_ago=5)
    _publish(brand, title="海边一日", body="今天去海边#防晒 别忘了 #ad", hours_ago=1)
    _publish(brand, title="口红试色", hashtags="#口红")
    draft_note(funded_contract(brand=brand), title="没发布的草稿", hashtags="#防晒 #glowserum")
    html = client.get("/tags/防晒").get_data(as_text=True)
    assert html.index("海边一日") < html.index("防晒霜测评")
    assert "口红试色" not in html and "没发布的草稿" not in html
    assert "#防晒" in html
    assert "海边一日" in client.get("/tags/%23防晒").get_data(as_text=True)


def test_tags_ignore_case_and_width_and_follow_edits(client):
    contract = funded_contract(brand=make_user("brand"))
    draft_note(contract, title="SPF note", hashtags="#SPF50 #old #glowserum")
    note = published_note(contract, title="SPF note", hashtags="#ＳＰＦ50 #new #GlowSerum")
    assert sorted(t.tag for t in note.tags) == ["ad", "glowserum", "new", "spf50"]  # #ad: body
    assert "SPF note" in client.get("/tags/spf50").get_data(as_text=True)
    assert "SPF note" not in client.get("/tags/old").get_data(as_text=True)


def test_an_unused_tag_has_an_empty_page(client):
    response = client.get("/tags/没有人用")
    assert response.status_code == 200
    assert "No published notes carry #没有人用 yet." in response.get_data(as_text=True)


def test_a_hashtag_typed_in_the_search_box_opens_its_page(client):
    response = client.get("/explore?q=%23防晒")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tags/%E9%98%B2%E6%99%92")
    assert client.get("/explore?q=%23防晒 面霜").status_code == 200  # words too: a search


def test_tags_on_a_note_page_link_to_their_pages(client):
    note = _publish(make_user("brand"), title="防晒霜测评", hashtags="#防晒")
    html = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert 'href="/tags/%E9%98%B2%E6%99%92"' in html


def test_suggestions_offer_tags_titles_and_kol_names(client):
    brand = make_user("brand")
    _publish(brand, title="防晒霜测评", hashtags="#防晒 #防晒霜")
    _publish(brand, title="夏天的防晒推荐", hashtags="#防晒")
    kol = make_kol(verified=True)
    db.session.get(KolProfile, kol.id).display_name = "防晒小能手"
    db.session.commit()
    found = client.get("/search/suggest?q=防晒").get_json()
    assert found["tags"] == ["#防晒", "#防晒霜"]  # the most used first
    assert set(found["notes"]) == {"防晒霜测评", "夏天的防晒推荐"}
    assert found["kols"] == ["防晒小能手"]
    assert client.get("/search/suggest?q=%23防晒霜").get_json()["tags"] == ["#防晒霜"]
    assert client.get("/search/suggest?q=").get_json() == {
        "q": "", "tags": [], "notes": [], "kols": []
    }  # fmt: skip


def test_suggestions_complete_the_last_english_word(client):
    _publish(make_user("brand"), title="Dior lipstick swatches")
    assert client.get("/search/suggest?q=dior lip").get_json()["notes"] == [
        "Dior lipstick swatches"
    ]


def test_suggestions_are_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SUGGEST_LIMIT", "2 per minute")
    assert [client.get("/search/suggest?q=a").status_code for _ in range(3)] == [200, 200, 429]
