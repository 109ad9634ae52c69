"""Brand teams and agencies (issue 22): an owner invites a manager and an analyst, who join
from the mailed link and see the brand's pages their role allows; an agency runs a campaign
for each of two brands that granted it access, switching brand in the bar."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps


def _join(journey, owner, email: str, role: str, brand: str):
    """The owner invites ``email``; a new person opens the mailed link and joins."""
    owner.goto("/team")
    owner.fill("#email", email)
    owner.select_option("#role", role)
    steps.submit(owner, "Send invitation")
    expect(owner.locator(f"tr[data-invitation='{email}']")).to_be_visible()
    owner.goto("/dev/outbox")
    body = owner.locator("article.mail", has_text=email).first.inner_text()
    link = re.search(r"https?://[^/\s]+(/invitations/\S+)", body).group(1)
    person = journey.actor()
    person.goto(link)
    person.fill("#password", steps.PASSWORD)
    steps.submit(person, "Join the team")
    expect(person.locator(".acting-bar")).to_contain_text(f"Acting for {brand}")
    return person


def test_team_and_agency(journey):
    owner = journey.actor()
    steps.register(owner, "brand", "Glow Labs", "owner@glow.example.com")
    manager = _join(journey, owner, "mia@glow.example.com", "manager", "Glow Labs")
    analyst = _join(journey, owner, "ana@glow.example.com", "analyst", "Glow Labs")
    owner.goto("/team")
    journey.shot(owner, "team")

    steps.create_campaign(manager, "Glow by the team", journey.shop.url + "/serum")
    journey.shot(manager, "manager-campaign")
    analyst.goto("/campaigns/mine")  # reads the brand's campaigns (writing is refused: 403,
    expect(analyst.locator("main")).to_contain_text("Glow by the team")  # tests/orgs)
    expect(analyst.locator("nav.mainnav")).not_to_contain_text("Payments")
    analyst.goto("/analytics")
    journey.shot(analyst, "analyst-analytics")

    agency = journey.actor()
    steps.register(agency, "agency", "Bright Agency", "boss@bright.example.com")
    tea = journey.actor()
    steps.register(tea, "brand", "Tea House", "owner@tea.example.com")
    for brand in (owner, tea):
        brand.goto("/team")
        brand.fill("#agency_email", "boss@bright.example.com")
        steps.submit(brand, "Grant access")
        expect(brand.locator("tr[data-grant='Bright Agency']")).to_be_visible()

    for brand, title in (("Glow Labs", "Glow via agency"), ("Tea House", "Tea via agency")):
        agency.goto("/")
        agency.select_option("#act-for-brand", label=brand)
        steps.submit(agency, "Switch")
        expect(agency.locator(".acting-bar select")).to_have_value(re.compile(r"\d+"))
        steps.create_campaign(agency, title, journey.shop.url + "/agency")
        agency.goto("/campaigns/mine")
        expect(agency.locator("main")).to_contain_text(title)
        journey.shot(agency, f"agency-{brand.split()[0].lower()}")
    expect(agency.locator("main")).not_to_contain_text("Glow via agency")  # Tea's list only


pytestmark = pytest.mark.once
