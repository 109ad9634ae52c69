"""A funded deal produces the brand's invoice (read on the page and downloaded as a PDF whose
text carries its number and amounts), and the refund of a cancellation its credit note
against that invoice. The brand, its campaign and the KOL's bid are made beforehand
(prepare.py): the journey starts where the brand opens the bid and accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.server import INVOICE_DEAL
from tests.paperwork.pdf_support import pdf_text


def download_pdf(page: Page) -> str:
    """The document's "Download PDF" button; the PDF's text, spaces taken out."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.endswith(".pdf")
    return pdf_text(data)


def open_document(page: Page, kind: str) -> str:
    """Open the one document of the kind on the invoices page; its number."""
    page.goto("/invoices")
    row = page.locator("tbody tr", has=page.locator("div", has_text=re.compile(f"^{kind}$")))
    expect(row).to_have_count(1)
    number = row.locator("td").first.locator("a").inner_text().strip()
    steps.follow(page, number, scope=row)
    return number


def test_invoice_and_credit_note(journey):
    brand_email, _name, title, _price = INVOICE_DEAL
    brand = journey.actor()
    steps.login(brand, brand_email)
    brand.goto("/campaigns/mine")
    steps.follow(brand, title)
    campaign_id = re.search(r"/campaigns/(\d+)", brand.url)[1]
    brand.goto(f"/campaigns/{campaign_id}/bids")
    steps.follow(brand, "Answer")
    bid_id = int(re.search(r"/bids/(\d+)", brand.url)[1])
    contract_id = steps.brand_accepts(brand, bid_id)
    steps.fund(brand, contract_id)
    expect(brand.locator("h1")).to_contain_text("the contract is funded")

    # $400 + the 5 % platform fee, made out to the brand's billing details.
    number = open_document(brand, "Invoice")
    assert re.fullmatch(r"KOL-INV-\d{4}-\d{6}", number), number
    expect(brand.locator("main")).to_contain_text("Ledger Foods Pte. Ltd.")
    journey.shot(brand, "invoice")
    text = download_pdf(brand)
    for expected in ("Invoice", number, "LedgerFoodsPte.Ltd.", "201912345K", "Platformfee",
                     "$400.00", "$20.00", "$420.00"):  # fmt: skip
        assert expected in text, (expected, text)

    # Cancelled before any note: refunded in full, credited against the invoice.
    steps.contract_action(
        brand,
        contract_id,
        "Cancel this contract",
        "The tasting was called off.",
        "Cancel and refund",
    )
    steps.until(brand, "/invoices", "tbody", "Credit note")
    journey.shot(brand, "invoices-with-credit-note")
    credit = open_document(brand, "Credit note")
    assert credit != number
    expect(brand.locator("main")).to_contain_text(number)  # the invoice it credits
    journey.shot(brand, "credit-note")
    text = download_pdf(brand)
    assert "Creditnote" in text and credit in text and number in text, text
    assert "-$420.00" in text or "−$420.00" in text, text


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
