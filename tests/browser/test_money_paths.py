"""Money going wrong or back: a declined card, a cancellation with a refund, a dispute that an
admin splits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps


def test_money_paths(journey):
    admin = steps.staff(journey, "admin")
    brand = journey.actor()
    steps.register(brand, "brand", "Brew Co", "brand@money.example.com")
    steps.create_campaign(brand, "Cold brew launch", journey.shop.url + "/cold-brew")
    steps.create_campaign(brand, "Cold brew summer", journey.shop.url + "/cold-brew")
    kol, _name = steps.ready_kol(journey)

    # A declined card: the emulator's Checkout says so and nothing is funded.
    contract_id = steps.brand_accepts(brand, steps.bid(kol, "Cold brew launch", "300"))
    with journey.expect(402, r"/emulator/checkout/"):
        steps.fund(brand, contract_id, card="4000 0000 0000 0002")
    expect(brand.locator(".error")).to_contain_text(re.compile("declined", re.I))
    journey.shot(brand, "card-declined")
    brand.goto(f"/contracts/{contract_id}")
    expect(brand.locator("main")).to_contain_text("Fund this contract")
    journey.shot(brand, "contract-still-unfunded")

    # Paid with a good card, then cancelled before any note: refunded in full.
    steps.fund(brand, contract_id)
    expect(brand.locator("h1")).to_contain_text("the contract is funded")
    steps.contract_action(
        kol, contract_id, "Cancel this contract", "I cannot deliver in time.", "Cancel and refund"
    )
    journey.shot(kol, "cancelled")
    # $300 + the 5 % fee paid, all of it refunded.
    steps.until(
        brand,
        "/payments",
        "tbody tr",
        re.compile(r"Cold brew launch\s+1\s+\$315\.00\s+\$0\.00\s+\$0\.00\s+\$315\.00"),
    )
    journey.shot(brand, "brand-payments-refunded")

    # A dispute after submission, split by an admin.
    contract_id = steps.brand_accepts(brand, steps.bid(kol, "Cold brew summer", "400"))
    steps.fund(brand, contract_id)
    note_id = steps.write_note(kol, contract_id, "Summer cold brew", "Iced, with #ad #glowserum")
    steps.contract_action(
        brand,
        contract_id,
        "Open a dispute",
        "The note shows another brand's bottle.",
        "Open dispute",
    )
    journey.shot(brand, "dispute-opened")
    admin.goto("/admin/disputes")
    journey.shot(admin, "admin-disputes")
    steps.follow(
        admin, "Resolve", scope=admin.locator("tr", has_text=re.compile(rf"#{contract_id}\b"))
    )
    admin.fill("#refund_amount", "210")
    admin.fill("#reason", "Half refunded: the bottle shown was wrong, the text was delivered.")
    steps.submit(admin, "Resolve")
    journey.shot(admin, "admin-resolved")
    assert note_id
    steps.until(brand, f"/contracts/{contract_id}", "main", "Half refunded")
    journey.shot(brand, "brand-sees-resolution")


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
