"""The top bar's navigation as served: the main entries in the bar, a brand's and a KOL's
less-used ones under "More", and a phone menu that holds every entry (below 1100 px the bar's
own entries are hidden; tests/browser/test_phone.py measures it in Chromium)."""

from __future__ import annotations

import re

import pytest

from app.auth.models import Role
from tests.conftest import signed_in
from tests.factories import make_user


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


@pytest.mark.parametrize("role", [Role.BRAND, Role.KOL, Role.FINANCE, Role.ADMIN, Role.SHOPPER])
def test_the_phone_menu_holds_every_entry_of_the_bar_and_the_account_links(app, role):
    # A shopper lands on the feed (the others on their workbench).
    html = signed_in(app, make_user(role)).get("/", follow_redirects=True).get_data(as_text=True)
    bar = _links(_section(html, '<nav class="mainnav"', "</nav>"))
    phone = _links(_section(html, '<details class="menu phone-menu">', "</details>"))
    assert bar and set(bar) <= set(phone)
    assert "/settings/" in phone and ">Sign out</button>" in html.split("phone-menu", 1)[1]


def test_a_brand_bar_keeps_its_daily_pages_and_folds_the_rest_under_more(app):
    html = signed_in(app, make_user(Role.BRAND)).get("/").get_data(as_text=True)
    nav = _section(html, '<nav class="mainnav"', "</nav>")
    more = _links(_section(nav, '<details class="menu more-menu">', "</details>"))
    main = [link for link in _links(nav) if link not in more]
    assert main == [
        "/campaigns/mine",
        "/kols",
        "/bids",
        "/contracts",
        "/notes",
        "/payments",
        "/analytics",
    ]
    assert more == [
        "/shortlists",
        "/explore",
        "/profile",
        "/webhooks",
        "/invoices",
        "/feed",
        "/wishlist",
    ]


def test_a_visitor_phone_menu_signs_in_with_links_only(client):
    html = client.get("/explore").get_data(as_text=True)
    phone = _section(html, '<details class="menu phone-menu">', "</details>")
    assert _links(phone) == ["/explore", "/campaigns", "/auth/login", "/auth/register"]
    assert "<form" not in phone  # a cached public page carries no CSRF token
