"""A brand builds a shortlist of five KOLs from Find KOLs and invites the whole list at once to
an invite-only campaign: each of the five is told once (inviting again invites nobody twice),
an invited KOL sees the campaign and bids, a KOL not invited can neither see it nor bid.
The six verified KOLs are made beforehand (prepare.py): the journey is not about verifying."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.server import SHORTLIST_KOLS

TITLE = "Petal spring launch (invited only)"
LIST = "Spring picks"


def test_shortlist_invite_only(journey):
    brand = journey.actor()
    steps.register(brand, "brand", "Petal Cosmetics", "brand@shortlist.example.com")
    campaign_id = steps.create_campaign(brand, TITLE, journey.shop.url + "/petal", invite_only=True)
    expect(brand.locator("main")).to_contain_text("Only invited KOLs see this campaign")

    # Find KOLs: the six Petal KOLs; the first five saved, the first into a new list.
    chosen, outsider = SHORTLIST_KOLS[:5], SHORTLIST_KOLS[5]
    brand.goto("/kols?q=Petal")
    expect(brand.locator("article.kol-card")).to_have_count(6)
    journey.shot(brand, "find-kols")
    for number, (name, _email, _handle) in enumerate(chosen):
        card = brand.locator("article.kol-card", has_text=name)
        card.locator("summary", has_text="Save to shortlist").click()
        if number == 0:
            card.locator("input[name=name]").fill(LIST)
        steps.submit(brand, "Save", scope=card)
        steps.flash(brand, f"Saved to “{LIST}”.")
        assert "/kols" in brand.url  # back on the results, to save the next one

    brand.goto("/shortlists")
    steps.follow(brand, re.compile(LIST))
    rows = brand.locator("table.shortlist-compare tbody tr")
    expect(rows).to_have_count(5)
    for name, _email, _handle in chosen:
        expect(brand.locator("table.shortlist-compare")).to_contain_text(name)
    brand.select_option("#campaign_id", label=TITLE)
    brand.fill("#message", "We loved your spring notes: join our launch?")
    steps.submit(brand, "Invite 5 KOLs")
    steps.flash(brand, "5 KOLs invited.")
    journey.shot(brand, "shortlist-invited")
    brand.select_option("#campaign_id", label=TITLE)
    steps.submit(brand, "Invite 5 KOLs")  # again: nobody is invited (or told) twice
    steps.flash(brand, "5 were invited before and were not invited again.")

    told = steps.server_ops(journey, "invitations", campaign_id)
    assert told == {email: 1 for _name, email, _handle in chosen}, told

    # The KOL not invited: not listed, not found, cannot bid.
    stranger = journey.actor()
    steps.login(stranger, outsider[1])
    stranger.goto("/campaigns?q=Petal")
    expect(stranger.locator("main")).not_to_contain_text(TITLE)
    journey.shot(stranger, "outsider-campaigns")
    for path in (f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/bid"):
        assert stranger.request.get(path).status == 404  # with the KOL's own cookies

    # An invited KOL: told by the bell, sees the campaign, bids.
    invited = journey.actor()
    steps.login(invited, chosen[0][1])
    invited.goto("/notifications")
    invitation = invited.locator(
        "li.notification", has_text=f"You are invited to bid on “{TITLE}”."
    )
    expect(invitation).to_have_count(1)
    journey.shot(invited, "invited-notification")
    bid_id = steps.bid(invited, TITLE, "300")
    expect(invited.locator("main")).to_contain_text("Waiting for the brand")
    journey.shot(invited, "invited-bid-sent")
    assert bid_id


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
