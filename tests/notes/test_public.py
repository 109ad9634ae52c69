"""The public note page, the tracked product link, related notes, the feed, query counts."""

from datetime import timedelta

import pytest

from app.db_types import utcnow
from app.extensions import db
from app.notes import publishing, queries
from app.notes.models import NoteStatus
from tests.conftest import post_form, sign_in
from tests.factories import make_kol, make_user
from tests.notes.support import draft_note, funded_contract, published_note, submitted_note
from tests.queries import count_queries

XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def test_public_page_shows_the_note_with_the_sponsored_label(client):
    brand = make_user("brand", name="Glow Co")
    kol = make_kol(verified=True, name="Lily Travels")
    note = published_note(funded_contract(brand=brand, kol=kol))
    response = client.get(f"/n/{note.id}-{note.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sponsored · Glow Co" in html
    assert f'href="/kols/{kol.id}"' in html and f'href="/brands/{brand.id}"' in html
    assert f'href="/go/{note.tracking_code}"' in html
    assert "#glowserum" in html and f"/media/large/{note.images[0].file}" in html


def test_a_wrong_or_missing_slug_redirects_to_the_canonical_url(client):
    note = published_note()
    for path in (f"/n/{note.id}-old-title", f"/n/{note.id}"):
        response = client.get(path)
        assert response.status_code == 301
        assert response.headers["Location"].endswith(f"/n/{note.id}-{note.slug}")


@pytest.mark.parametrize("stage", ["draft", "submitted", "taken_down"])
def test_unpublished_notes_are_404(client, stage):
    contract = funded_contract()
    if stage == "draft":
        note = draft_note(contract)
    elif stage == "submitted":
        note = submitted_note(contract)
    else:
        note = published_note(contract)
        contract.keep_live_until = utcnow() - timedelta(seconds=1)
        publishing.take_down_note(note_id=note.id, kol_id=contract.kol_id)
        db.session.commit()
    assert client.get(f"/n/{note.id}-{note.slug}").status_code == 404
    assert client.get(f"/go/{note.tracking_code}").status_code == 404


def test_go_redirects_only_to_the_campaigns_product_url(client):
    note = published_note()
    response = client.get(f"/go/{note.tracking_code}?next=https://evil.example&url=//evil")
    assert response.status_code == 302
    # The analytics click tracker adds its click id and UTM parameters (tests/analytics).
    assert response.headers["Location"].startswith("https://shop.example/serum?")
    assert "evil" not in response.headers["Location"]
    assert client.get("/go/unknown123").status_code == 404
    assert client.get("/go/https:%2F%2Fevil.example").status_code == 404


def test_go_refuses_a_stored_url_that_is_not_http(client):
    note = published_note()
    from app.campaigns.models import Campaign

    db.session.get(Campaign, note.campaign_id).product_url = "javascript:alert(1)"
    db.session.commit()
    assert client.get(f"/go/{note.tracking_code}").status_code == 404


def test_xss_in_title_body_and_hashtags_renders_inert(client):
    contract = funded_contract()
    note = published_note(
        contract,
        title=f"Hi {XSS}",
        body=f"Text #ad {XSS} [link](javascript:alert(3))",
    )
    html = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "javascript:alert(3)" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the title, escaped
    sign_in(client, contract.kol_id)
    editor = client.get(f"/contracts/{contract.id}/note").get_data(as_text=True)
    assert "<script>alert(2)" not in editor
    explore = client.get("/explore").get_data(as_text=True)
    assert "<script>alert(2)" not in explore


def test_external_cross_post_is_shown_as_unverified(client):
    contract = funded_contract()
    note = published_note(contract)
    sign_in(client, contract.kol_id)
    response = post_form(
        client,
        f"/notes/{note.id}/external",
        {"external_url": "https://www.xiaohongshu.com/explore/abc"},
        page=f"/contracts/{contract.id}/note",
    )
    assert response.status_code == 302
    html = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert "Also posted on" in html and "unverified" in html
    bad = post_form(
        client,
        f"/notes/{note.id}/external",
        {"external_url": "javascript:alert(1)"},
        page=f"/contracts/{contract.id}/note",
    )
    assert bad.status_code == 422


def test_related_notes_share_a_category_or_a_hashtag_newest_first():
    brand = make_user("brand")
    base = published_note(funded_contract(brand=brand, category="beauty"))
    same_category = published_note(
        funded_contract(brand=brand, category="beauty"), hashtags="#glowserum #other"
    )
    shared_tag = published_note(
        funded_contract(brand=brand, category="travel"), hashtags="#glowserum #skincare"
    )
    unrelated = published_note(
        funded_contract(brand=brand, category="food", required_hashtags=""),
        hashtags="#noodles",
    )
    draft = draft_note(funded_contract(brand=brand, category="beauty"))
    related = queries.related_notes(base)
    assert [n.id for n in related] == [shared_tag.id, same_category.id]
    assert unrelated not in related and draft not in related and base not in related


def test_related_notes_are_limited_to_six():
    brand = make_user("brand")
    notes = [published_note(funded_contract(brand=brand)) for _ in range(8)]
    assert len(queries.related_notes(notes[0])) == 6


def test_public_page_has_a_constant_number_of_queries(client):
    brand = make_user("brand")
    first = published_note(funded_contract(brand=brand))
    published_note(funded_contract(brand=brand))  # one related note
    url = f"/n/{first.id}-{first.slug}"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        published_note(funded_contract(brand=brand), images=3)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_public_note_status_is_checked_before_render():
    assert queries.published_note(999999) is None
    note = published_note()
    assert queries.published_note(note.id).status == NoteStatus.PUBLISHED
