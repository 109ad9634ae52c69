"""The deal's key pages in Simplified Chinese, switched to with the top bar's 中文 button."""

from __future__ import annotations

import re

import pytest

from tests.browser import steps

TITLE = "Matcha latte week"


def test_chinese(journey):
    admin = steps.staff(journey, "admin", "admin-zh@journeys.example.com")
    brand = journey.actor()
    steps.register(brand, "brand", "Matcha Hub", "brand@zh.example.com")
    campaign_id = steps.create_campaign(brand, TITLE, journey.shop.url + "/matcha")
    kol, _name = steps.ready_kol(journey, phone=True)  # Red's KOLs live on their phones
    contract_id = steps.brand_accepts(brand, steps.bid(kol, TITLE, "350"))
    steps.fund(brand, contract_id)
    note_id = steps.write_note(
        kol, contract_id, "A week of matcha lattes", "One cup a day #ad #glowserum"
    )

    for page in (brand, kol, admin):
        page.goto("/")
        steps.to_chinese(page)
    visitor = journey.actor(locale="en-US", phone=True)
    visitor.goto("/explore")
    steps.to_chinese(visitor)

    pages = {
        brand: [
            ("brand-workbench", "/"),
            ("brand-campaign", f"/campaigns/{campaign_id}"),
            ("brand-bids", f"/campaigns/{campaign_id}/bids"),
            ("brand-contract", f"/contracts/{contract_id}"),
            ("brand-review", f"/notes/{note_id}/review"),
        ],
        kol: [
            ("kol-workbench", "/"),
            ("kol-campaigns", "/campaigns"),
            ("kol-note-editor", f"/contracts/{contract_id}/note"),
            ("kol-earnings", "/earnings"),
        ],
        admin: [("admin-workbench", "/"), ("admin-verifications", "/admin/verifications")],
    }
    for page, visits in pages.items():
        for name, path in visits:
            steps.assert_chinese(page, path)
            journey.shot(page, name)

    # The brand approves in Chinese (批准 = approve), then the public side and the dashboard.
    brand.goto(f"/notes/{note_id}/review")
    steps.submit(brand, "通过并发布")
    journey.shot(brand, "brand-approve-confirm")  # the money it releases, before it does
    steps.submit(brand, re.compile(r"^确认：通过并释放"))
    steps.assert_chinese(visitor, "/explore")
    journey.shot(visitor, "explore")
    # The note keeps its own (English) title; the page around it is in Chinese.
    steps.assert_chinese(visitor, f"/n/{note_id}", heading=False)
    journey.shot(visitor, "note-page")
    steps.assert_chinese(brand, f"/analytics/campaigns/{campaign_id}", heading=False)
    journey.shot(brand, "brand-dashboard")
    steps.assert_chinese(kol, "/earnings")
    journey.shot(kol, "kol-earnings-released")


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
