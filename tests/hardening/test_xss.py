"""Stored XSS and template injection: hostile text in user-written fields never runs or renders
as markup on the pages that show it, and ``{{7*7}}`` never becomes 49."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from app.extensions import db, limiter
from app.profiles.models import KolProfile
from tests.conftest import post_form, sign_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

BASE = [
    "<script>alert('X')</script>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "<img src=x onerror=alert('X')>",
    "<svg onload=alert('X')>",
    "<svg><script>alert('X')</script></svg>",
    "<a href=\"javascript:alert('X')\">x</a>",
    "[click](javascript:alert('X'))",
    "[click](JaVaScRiPt:alert('X'))",
    "<iframe src=javascript:alert('X')>",
    "<body onload=alert('X')>",
    "<div style=\"background:url(javascript:alert('X'))\">",
    "\"><script>alert('X')</script>",
    "'><img src=x onerror=alert('X')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('X')>",
    "<details open ontoggle=alert('X')>",
    "<input autofocus onfocus=alert('X')>",
    "T{{7*7}}T",
    "T{% raw %}{{7*7}}{% endraw %}T",
    "T${7*7}T",
    "T#{7*7}T",
    "T<%= 7*7 %>T",
    "T{{ config }}T",
    "\u202e<script>alert('X')</script>",
    "\uff1cscript\uff1ealert('X')\uff1c/script\uff1e",
    "&lt;script&gt;alert('X')&lt;/script&gt;",
]
WRAPS = ["{}", "**{}**", "# {}", "> {}", "before {} after"]
PAYLOADS = [wrap.format(p) for p in BASE for wrap in WRAPS][:120]
FOREIGN_SVG = re.compile(r'<svg(?![^>]*\bclass="[\w-]*-icon")', re.I)
RAW_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=\"/static/)", re.I)
EVENT = re.compile(r"<[^>]+\s(on\w+)\s*=", re.I)
JS_HREF = re.compile(r"<[^<>]*\b(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def _assert_inert(html: str, where: str) -> None:
    assert not RAW_SCRIPT.search(html), f"raw <script on {where}"
    assert not EVENT.search(html), f"event handler attribute on {where}: {EVENT.search(html)}"
    assert not JS_HREF.search(html), f"javascript: URL on {where}"
    assert "T49T" not in html, f"template injection evaluated on {where}"
    # The layout's own icons are inline SVG (class "…-icon"); a payload's <svg> has none.
    assert "<iframe" not in html.lower() and not FOREIGN_SVG.search(html), where


def test_hostile_text_in_user_fields_is_shown_as_text(app):
    pages = 0
    for i in range(0, len(PAYLOADS), 5):
        chunk = PAYLOADS[i : i + 5]
        title, brief, rights, pitch, message = (chunk + chunk)[:5]
        brand = make_user("brand", name=title[:80])
        kol = make_kol(verified=True, name=pitch[:80])
        db.session.get(KolProfile, kol.id).bio = brief  # the bio as the service would store it
        campaign = make_campaign(brand, title=title[:120], brief=brief, usage_rights=rights)
        bid = make_bid(campaign, kol)
        bid.pitch = bid.offers[0].message = pitch
        contract = make_contract(bid)
        client = app.test_client()
        limiter.reset()
        sign_in(client, brand)
        sent = post_form(
            client,
            f"/contracts/{contract.id}/messages",
            {"body": message},
            page=f"/contracts/{contract.id}",
        )
        assert sent.status_code == 302
        for url in (
            f"/campaigns/{campaign.id}",
            f"/bids/{bid.id}",
            f"/contracts/{contract.id}",
            f"/kols/{kol.id}",
            f"/brands/{brand.id}",
            "/campaigns",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            _assert_inert(html, url)
            if url == f"/campaigns/{campaign.id}":
                assert str(escape(title[:120])) in html  # shown, as text
            pages += 1
    print(f"XSS sweep: {len(PAYLOADS)} payloads, {pages} pages rendered, 0 executable")


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
