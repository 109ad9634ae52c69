"""The full deal in a real browser, from a brand's registration to finance's reconciliation."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import steps

TITLE = "Glow serum morning routine"
NOTE = "My 5-minute glow routine"


def test_full_deal(journey):
    admin = steps.staff(journey, "admin")

    brand = journey.actor()
    steps.register(brand, "brand", "Glow Lab", "brand@deal.example.com")
    campaign_id = steps.create_campaign(brand, TITLE, journey.shop.url + "/glow-serum")
    expect(brand.locator("main")).to_contain_text("draft → open")
    journey.shot(brand, "brand-campaign-published")

    kol = steps.verified_kol(journey, admin, "Lily Glow", "lily@deal.example.com", "lilyglow")
    journey.shot(kol, "kol-verified")
    bid_id = steps.bid(kol, TITLE, "500")
    expect(kol.locator("main")).to_contain_text("Waiting for the brand")
    journey.shot(kol, "kol-bid-sent")

    steps.counter(brand, campaign_id, "Lily Glow", "450")
    journey.shot(brand, "brand-countered")
    contract_id = steps.accept(kol, bid_id)
    expect(kol.locator("main")).to_contain_text("$450.00")
    journey.shot(kol, "kol-contract")

    steps.fund(brand, contract_id)
    expect(brand.locator("h1")).to_contain_text("the contract is funded")
    expect(brand.locator("main")).to_contain_text("$472.50")  # price + 5 % brand fee
    journey.shot(brand, "brand-funded")

    steps.onboard(kol)
    journey.shot(kol, "kol-payouts-connected")
    note_id = steps.write_note(kol, contract_id, NOTE, "I use Glow Serum every morning. @glowlab")
    journey.shot(kol, "kol-note-submitted")
    steps.request_changes(brand, note_id, "Please show the bottle in the first photo.")
    journey.shot(brand, "brand-changes-requested")
    steps.write_note(
        kol, contract_id, NOTE, "Glow Serum every morning; the bottle is in photo one.", photo=False
    )
    journey.shot(kol, "kol-note-revised")
    steps.approve(brand, note_id)
    expect(brand.locator("main")).to_contain_text("Approved → Published")
    journey.shot(brand, "brand-approved")

    visitor = journey.actor(phone=True)  # a shopper reads notes on a phone, as on Red
    visitor.goto("/explore")
    journey.shot(visitor, "explore")
    steps.follow(visitor, re.compile(NOTE))
    expect(visitor.locator("main")).to_contain_text("Sponsored")
    journey.shot(visitor, "note-page")
    steps.follow(visitor, "See the product")
    assert visitor.url.startswith(journey.shop.url + "/glow-serum?")
    click_id = parse_qs(urlsplit(visitor.url).query)["kol_click"][0]
    journey.shot(visitor, "shop")

    key = steps.create_api_key(brand, "Shop server")
    journey.shot(brand, "brand-api-key")
    conversion = steps.report_conversion(brand, key, click_id, "order-1001", 3900)
    assert conversion["attributed"] and conversion["note_id"] == note_id

    dashboard = f"/analytics/campaigns/{campaign_id}"
    steps.until(brand, dashboard, ".analytics-groups", re.compile(r"Conversions\s+1\b"))
    assert steps.fact(brand, "Views") == "1"
    assert steps.fact(brand, "Clicks") == "1"
    assert steps.fact(brand, "Conversions") == "1"
    assert steps.fact(brand, "Revenue") == "$39.00"
    assert steps.fact(brand, "Spend") == "$472.50"
    journey.shot(brand, "brand-dashboard")

    # 70 % of $450 released on approval, less the 10 % KOL fee: $283.50, paid out.
    steps.until(kol, "/earnings", "table", re.compile(r"\$283\.50 · Paid"))
    journey.shot(kol, "kol-earnings")

    finance = steps.staff(journey, "finance")
    steps.reconcile_today(finance)
    differences = finance.locator(".stat-card", has_text="Differences").locator(".stat")
    expect(differences).to_have_text("0")
    matched = finance.locator(".stat-card", has_text="Matched").locator(".stat")
    matched_count, processed = (int(n) for n in matched.inner_text().split("/"))
    assert matched_count == processed >= 2  # the charge and the transfer, every one matched
    journey.shot(finance, "finance-reconciled")


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
