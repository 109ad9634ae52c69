"""/go/<code>: a published note's link records a click and redirects (302) only ever to the
campaign's stored product URL, with the click id and UTM parameters; never an open redirect.
The note's public page records a view."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from app.analytics.models import HourlyRollup, TrackingEvent
from app.analytics.tracking import parse_click_id
from app.campaigns.models import Campaign
from app.extensions import db
from app.notes.models import NoteStatus
from tests.analytics.support import BROWSER, published_note


def clicks(note_id):
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(HourlyRollup.clicks), 0)).where(
                HourlyRollup.note_id == note_id
            )
        )
    )


def test_a_click_redirects_to_the_product_with_a_click_id_and_utm(client):
    note = published_note()
    response = client.get(
        f"/go/{note.tracking_code}?next=https://evil.example&url=//evil", headers=BROWSER
    )
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example", "/serum")
    query = parse_qs(target.query)
    assert query["utm_source"] == ["kolmarket"] and query["utm_medium"] == ["kol"]
    assert query["utm_campaign"] == [f"campaign-{note.campaign_id}"]
    assert parse_click_id(query["kol_click"][0])[0] == note.id
    assert "evil" not in response.headers["Location"]
    stored = db.session.scalar(select(TrackingEvent.event_id).where(TrackingEvent.kind == "click"))
    assert stored == query["kol_click"][0]
    assert clicks(note.id) == 1


def test_existing_product_url_parameters_are_kept(client):
    note = published_note()
    db.session.get(Campaign, note.campaign_id).product_url = "https://shop.example/p?sku=9&a=b"
    db.session.commit()
    location = client.get(f"/go/{note.tracking_code}", headers=BROWSER).headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["sku"] == ["9"] and query["a"] == ["b"] and "kol_click" in query


def test_a_product_url_with_non_ascii_characters_is_sent_as_a_uri(client):
    note = published_note()
    product = "https://shop.example/精华液?颜色=红"
    db.session.get(Campaign, note.campaign_id).product_url = product
    db.session.commit()
    response = client.get(f"/go/{note.tracking_code}", headers=BROWSER)
    location = response.headers["Location"]
    assert location.isascii() and response.headers["Cache-Control"] == "no-store"
    target = urlsplit(location)
    assert target.path == "/%E7%B2%BE%E5%8D%8E%E6%B6%B2"
    assert parse_qs(target.query)["颜色"] == ["红"] and "kol_click" in parse_qs(target.query)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("kv=") and "Max-Age=31536000" in cookie and "HttpOnly" in cookie


def test_unknown_codes_and_redirect_tricks_answer_404(client):
    published_note()
    for path in (
        "/go/unknown123",
        "/go/https:%2F%2Fevil.example",
        "/go/" + "a" * 40,
        "/go/..%2F..%2Fetc",
    ):
        assert client.get(path).status_code == 404, path
    # Werkzeug merges the slashes of /go//evil.example: a redirect on our own host, then 404.
    merged = client.get("/go/%2F%2Fevil.example")
    assert urlsplit(merged.headers["Location"]).netloc in ("", "localhost")
    assert client.get("/go/%2F%2Fevil.example", follow_redirects=True).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0


def test_a_stored_url_that_is_not_http_is_refused(client):
    note = published_note()
    for url in ("javascript:alert(1)", "//evil.example/x", "ftp://shop.example/x", ""):
        db.session.get(Campaign, note.campaign_id).product_url = url
        db.session.commit()
        assert client.get(f"/go/{note.tracking_code}").status_code == 404, url


def test_an_unpublished_note_has_no_working_link(client):
    note = published_note()
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    assert client.get(f"/go/{note.tracking_code}").status_code == 404


def test_bot_clicks_redirect_but_are_counted_apart(client):
    note = published_note()
    response = client.get(f"/go/{note.tracking_code}", headers={"User-Agent": "curl/8"})
    assert response.status_code == 302
    assert clicks(note.id) == 0
    bot_clicks = db.session.scalar(
        select(HourlyRollup.bot_clicks).where(HourlyRollup.note_id == note.id)
    )
    assert bot_clicks == 1


def test_the_public_note_page_records_one_view_per_visitor_per_30_minutes(client):
    note = published_note()
    url = f"/n/{note.id}-{note.slug}"
    assert client.get(url, headers=BROWSER).status_code == 200
    assert client.get(url, headers=BROWSER).status_code == 200  # same visitor (cookie)
    views = db.session.scalar(
        select(func.sum(HourlyRollup.views)).where(HourlyRollup.note_id == note.id)
    )
    assert views == 1
    other = client.application.test_client()
    other.get(url, headers={**BROWSER, "User-Agent": BROWSER["User-Agent"] + " Other"},
              environ_base={"REMOTE_ADDR": "198.51.100.9"})  # fmt: skip
    views = db.session.scalar(
        select(func.sum(HourlyRollup.views)).where(HourlyRollup.note_id == note.id)
    )
    assert views == 2


def test_clicks_in_the_same_second_get_distinct_genuine_ids_and_one_count_each(client):
    """Click ids are event ids (stored once): two clicks on one note in one second must not
    collide, and each carries the note and a signature that a tampered id fails."""
    note = published_note()
    ids = []
    for _ in range(50):
        response = client.get(f"/go/{note.tracking_code}", headers=BROWSER)
        assert response.status_code == 302
        ids.append(parse_qs(urlsplit(response.headers["Location"]).query)["kol_click"][0])
    assert len(set(ids)) == 50
    assert all(parse_click_id(i)[0] == note.id for i in ids)
    body, signature = ids[0].rsplit(".", 1)
    assert parse_click_id(f"{body[:-1]}{'0' if body[-1] != '0' else '1'}.{signature}") is None
    assert clicks(note.id) == 50
    assert response.headers["Content-Length"] == "0" and not response.data
