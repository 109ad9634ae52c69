"""Public pages for first-time visitors: no session cookie (no CSRF token, no Flask-Login, no
flash work), a language switch that is a plain link (a ``lang`` preference cookie), and the
signed-in CSRF form unchanged."""

from __future__ import annotations

import re

import pytest

from app import pagecache
from app.analytics.tracking import VISITOR_COOKIE
from app.auth.models import Role, User
from app.extensions import db
from tests.analytics.support import BROWSER, published_note
from tests.conftest import sign_in
from tests.factories import make_user

# The only cookie a first visit may get: analytics' first-party visitor id ("kv"), set on
# purpose to count unique visitors (app/analytics/tracking.py).
ALLOWED_COOKIES = {VISITOR_COOKIE}
LANG_LINK = re.compile(r'href="(/lang/zh_Hans\?next=[^"]*)"')
EVIL = ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "x"]


@pytest.fixture(params=["cache off", "cache on"])
def cache(request, app):
    """Both ways a public page is built: rendered for this visitor, or from the page cache."""
    pagecache._store.clear()
    app.config["PAGE_CACHE"] = request.param == "cache on"
    yield
    app.config.pop("PAGE_CACHE")
    pagecache._store.clear()


@pytest.fixture(autouse=True)
def views(monkeypatch):
    from app.analytics import pipeline

    seen: list[dict] = []
    monkeypatch.setattr(pipeline, "accept_events", lambda batch: seen.extend(batch) or "redis")
    return seen


def cookie_names(response) -> set[str]:
    return {h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")}


def public_urls(note) -> list[str]:
    return [
        f"/n/{note.id}-{note.slug}", "/explore", "/", f"/go/{note.tracking_code}",
        "/explore?tab=foryou",  # a visitor's own list (issue 24)
    ]  # fmt: skip


def test_a_first_visit_to_a_public_page_sets_no_session_cookie(app, cache):
    note = published_note(title="Sessionless glow")
    for url in public_urls(note):
        for _visit in range(2):  # the second one is served from the cache when it is on
            response = app.test_client().get(url, headers=BROWSER)
            assert response.status_code in (200, 302), url
            assert cookie_names(response) <= ALLOWED_COOKIES, (url, cookie_names(response))
            html = response.get_data(as_text=True)
            assert 'name="csrf_token"' not in html, url
            assert pagecache.CSRF_MARKER not in html, url
    assert "Sessionless glow" in app.test_client().get(public_urls(note)[0]).get_data(as_text=True)


def test_public_pages_show_the_language_link_and_sign_in_links(app, cache):
    note = published_note()
    for url in public_urls(note)[:3]:
        html = app.test_client().get(url, headers=BROWSER).get_data(as_text=True)
        assert LANG_LINK.search(html), url
        assert 'action="/lang/' not in html, url
    html = app.test_client().get(public_urls(note)[0], headers=BROWSER).get_data(as_text=True)
    assert 'method="post"' not in html  # like, save, follow, comment: links to sign in
    assert f'href="/auth/login?next=/n/{note.id}-{note.slug}"' in html
    assert "Sign in to comment" in html


def test_the_language_link_switches_without_a_session(app, cache):
    published_note()
    client = app.test_client()
    html = client.get("/explore", headers=BROWSER).get_data(as_text=True)
    link = LANG_LINK.search(html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/explore"
    assert cookie_names(response) == {"lang"}
    cookie = response.headers["Set-Cookie"]
    assert "lang=zh_Hans" in cookie and "Max-Age=" in cookie and "SameSite=Lax" in cookie

    page = client.get("/explore", headers=BROWSER)
    html = page.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "发现" in html
    assert cookie_names(page) <= ALLOWED_COOKIES
    assert 'href="/lang/en?next=/explore"' in html  # and back
    client.get("/lang/en?next=/explore")
    assert '<html lang="en">' in client.get("/explore").get_data(as_text=True)


def test_the_language_link_keeps_the_page_and_its_filters(client):
    response = client.get("/lang/zh_Hans", query_string={"next": "/explore?q=serum&tab=trending"})
    assert response.headers["Location"] == "/explore?q=serum&tab=trending"
    html = client.get("/explore?q=serum&tab=trending").get_data(as_text=True)
    assert "next=/explore?q%3Dserum%26tab%3Dtrending" in html.replace("&amp;", "&") or (
        "next=/explore?tab%3Dtrending%26q%3Dserum" in html.replace("&amp;", "&")
    )


@pytest.mark.parametrize("target", EVIL)
def test_the_language_link_refuses_another_site(client, target):
    response = client.get("/lang/zh_Hans", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_404(client):
    assert client.get("/lang/xx?next=/explore").status_code == 404


def test_signed_in_users_keep_the_csrf_form_which_saves_the_choice(app, client):
    user = make_user(Role.SHOPPER)
    sign_in(client, user)
    html = client.get("/explore").get_data(as_text=True)
    assert not LANG_LINK.search(html)
    form = re.search(
        r'<form method="post" action="/lang/zh_Hans"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="([^"]+)">',
        html,
    )
    assert form, "no language form for a signed-in user"
    assert client.post("/lang/zh_Hans").status_code == 400  # no token: refused
    response = client.post(
        "/lang/zh_Hans", data={"csrf_token": form.group(1)}, headers={"Referer": "/explore"}
    )
    assert response.status_code == 302
    assert '<html lang="zh-Hans">' in client.get("/explore").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh_Hans"


def test_a_signed_in_reader_still_gets_the_engagement_forms(app, client):
    note = published_note()
    user = make_user(Role.SHOPPER)
    sign_in(client, user)
    html = client.get(f"/n/{note.id}-{note.slug}").get_data(as_text=True)
    assert f'action="/n/{note.id}/like"' in html and 'name="csrf_token"' in html
    assert 'class="comment-form"' in html
