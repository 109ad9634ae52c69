"""No browser or proxy keeps a copy of what a signed-in user saw (issue 27): every page of
every role, the CSV exports and every API answer to a key carry ``Cache-Control: no-store``;
the public pages an anonymous visitor is shown (and the page cache keeps) stay cacheable.
"""

from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.conftest import signed_in
from tests.factories import make_api_key, make_deal, make_user

pytestmark = pytest.mark.once
# The same bytes for everyone, cached for a day on purpose.
PUBLIC_FILES = {"static", "api.docs_js", "api.docs_css"}


def _plain_get_urls(app, *, api: bool) -> list[str]:
    """Every GET route without URL values (the web's or the API's)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in PUBLIC_FILES:
            continue
        if rule.rule.startswith("/api/") == api:
            urls.append(rule.rule)
    return sorted(urls)


def _stored(response) -> str | None:
    """What is wrong with the response's caching for a signed-in caller, if anything."""
    value = response.headers.get("Cache-Control") or ""
    return None if "no-store" in value else f"{response.status_code} Cache-Control {value!r}"


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_page_a_signed_in_user_gets_is_never_stored(app, role):
    deal = make_deal("published")
    user = {"brand": deal.brand, "kol": deal.kol}.get(role) or make_user(role)
    client = signed_in(app, user)
    urls = _plain_get_urls(app, api=False)
    urls += [f"/contracts/{deal.contract.id}", f"/contracts/{deal.contract.id}/note"]
    urls += [f"/analytics/campaigns/{deal.campaign.id}/export.csv"]
    problems = {url: _stored(client.get(url)) for url in urls}
    problems = {url: problem for url, problem in problems.items() if problem}
    print(f"{role}: {len(urls)} pages")
    assert problems == {}


def test_csv_exports_are_never_stored(app):
    # Each export as the role it is for (finance's books, a KOL's own yearly statement).
    readers = [signed_in(app, make_user(role)) for role in ("finance", "kol", "brand")]
    exports = [url for url in _plain_get_urls(app, api=False) if url.endswith(".csv")]
    assert len(exports) >= 4, exports
    for url in exports:
        response = next(
            (answer for answer in (reader.get(url) for reader in readers)
             if answer.status_code == 200),
            None,
        )  # fmt: skip
        assert response is not None, f"{url}: no role may read it"
        assert response.mimetype == "text/csv", url
        assert response.headers["Cache-Control"] == "no-store", url


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_api_answer_to_a_key_is_never_stored(app, client, role):
    key = make_api_key(make_user(role))
    urls = _plain_get_urls(app, api=True)
    answers = {url: client.get(url, headers={"Authorization": f"Bearer {key}"}) for url in urls}
    problems = {url: _stored(response) for url, response in answers.items()}
    assert {url: problem for url, problem in problems.items() if problem} == {}
    assert answers["/api/v1/me"].status_code == 200


def test_the_public_pages_a_visitor_sees_stay_cacheable(app, client):
    note = make_deal("published").note
    client.get("/auth/login")  # a visitor with a session (a CSRF token) sees the same pages
    for url in (f"/n/{note.id}-{note.slug}", "/explore", "/campaigns", "/api/v1/explore"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") is None, url  # as before: no-store is not
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"


def test_a_form_carrying_a_visitor_s_csrf_token_is_never_stored(client):
    for url in ("/auth/login", "/auth/register", "/auth/forgot"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
