"""Pages hide the forms and write buttons a team member's role may not use (issue 22 follow-up):
an analyst (and finance outside money) reads the brand's pages without a button that answers
403; an owner and a manager still see them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from app.authz import ACCESS_ATTR, BRAND
from app.extensions import db
from app.orgs.models import MemberRole
from app.orgs.permissions import ANYONE, TEAM, area_of, role_may
from app.shortlists.models import Shortlist
from tests.conftest import signed_in
from tests.factories import make_campaign, make_deal, make_kol, make_member, make_user

FORM = re.compile(r"<form\b[^>]*>", re.I)
ACTION = re.compile(r'action="([^"]*)"')
LINK = re.compile(r'<a\b[^>]*href="([^"]+)"', re.I)
# Pages that are only a form to fill in: a link to one is a write button too.
FORM_PAGES = {"campaigns.new", "campaigns.edit", "campaigns.invite", "bids.accept", "bids.edit"}


@pytest.fixture
def brand_pages(app):
    brand = make_user("brand", name="Glow Labs")
    campaign = make_campaign(brand, title="Spring glow")
    bid = make_deal("bid", brand=brand, campaign=campaign).bid
    waiting = make_deal("awaiting_funding", brand=brand, campaign=campaign).contract
    funded = make_deal("funded", brand=brand, campaign=campaign).contract
    kol = make_kol(verified=True)
    shortlist = Shortlist(brand_id=brand.id, name="Faces")
    db.session.add(shortlist)
    db.session.commit()
    pages = [
        "/", "/campaigns/mine", f"/campaigns/{campaign.id}", f"/bids/{bid.id}",
        f"/bids/{bid.id}/accept", f"/contracts/{waiting.id}", f"/contracts/{funded.id}",
        "/shortlists", f"/shortlists/{shortlist.id}", "/webhooks", "/kols", f"/kols/{kol.id}", "/profile",
    ]  # fmt: skip
    return brand, pages, bid, waiting


def _writes(app, html: str, page: str) -> list[str]:
    """The endpoints the page's POST forms (and links to form pages) would call."""
    adapter = app.url_map.bind("localhost")
    found = []
    for tag in FORM.findall(html):
        if 'method="post"' not in tag.lower():
            continue
        action = ACTION.search(tag)
        path = urlsplit(action.group(1) if action and action.group(1) else page).path
        found.append(adapter.match(path, method="POST")[0])
    for href in LINK.findall(html):
        path = urlsplit(href).path
        try:
            endpoint = adapter.match(path, method="POST")[0]
        except HTTPException:  # a link to a page that takes no form
            continue
        if endpoint in FORM_PAGES:
            found.append(endpoint)
    return found


def _refused(app, role: MemberRole, endpoints: list[str]) -> set[str]:
    refused = set()
    for endpoint in endpoints:
        allowed = getattr(app.view_functions[endpoint], ACCESS_ATTR, ())
        if BRAND not in allowed or area_of(endpoint) in (ANYONE, TEAM):
            continue
        if not role_may(role, endpoint, "POST"):
            refused.add(endpoint)
    return refused


@pytest.mark.parametrize("role", ["analyst", "finance"])
def test_a_read_only_member_sees_no_button_that_answers_403(app, brand_pages, role):
    brand, pages, _bid, _waiting = brand_pages
    client = signed_in(app, make_member(brand, role))
    opened = 0
    for page in pages:
        response = client.get(page)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, page
        opened += 1
        html = response.get_data(as_text=True)
        assert not _refused(app, MemberRole(role), _writes(app, html, page)), page
    assert opened >= 10
    # What a user would notice, by name.
    mine = client.get("/campaigns/mine").get_data(as_text=True)
    assert "Spring glow" in mine and "New campaign" not in mine


def test_finance_still_funds_and_owner_and_manager_see_the_buttons(app, brand_pages):
    brand, _pages, bid, waiting = brand_pages
    finance = signed_in(app, make_member(brand, "finance"))
    contract = finance.get(f"/contracts/{waiting.id}").get_data(as_text=True)
    assert f"/contracts/{waiting.id}/fund" in contract or "Fund this contract" in contract
    assert f"/bids/{bid.id}/accept" not in finance.get(f"/bids/{bid.id}").get_data(as_text=True)

    manager = signed_in(app, make_member(brand, "manager"))
    for client in (signed_in(app, brand), manager):
        assert "New campaign" in client.get("/campaigns/mine").get_data(as_text=True)
        detail = client.get(f"/bids/{bid.id}").get_data(as_text=True)
        assert f"/bids/{bid.id}/accept" in detail and f"/bids/{bid.id}/counter" in detail
        accept = client.get(f"/bids/{bid.id}/accept").get_data(as_text=True)
        assert "Accept and create the contract" in accept
        assert "Duplicate" in client.get(f"/campaigns/{bid.campaign_id}").get_data(as_text=True)
    owner_contract = signed_in(app, brand).get(f"/contracts/{waiting.id}").get_data(as_text=True)
    assert "Fund this contract" in owner_contract
    manager_contract = manager.get(f"/contracts/{waiting.id}").get_data(as_text=True)
    assert "Fund this contract" not in manager_contract  # money is not a manager's area
    assert "Cancel and refund" in manager_contract
