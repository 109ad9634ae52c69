"""Invoices and credit notes as pages and PDFs, in the reader's language; the finance archive."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from app.extensions import db
from app.paperwork.billing import save_billing
from app.paperwork.models import Invoice
from app.payments.refunds import cancel_contract
from tests.conftest import signed_in
from tests.factories import make_deal, make_user
from tests.paperwork.pdf_support import pdf_text
from tests.payments.conftest import drain_jobs


def _invoice_of(contract_id: int, kind: str = "invoice") -> Invoice:
    return db.session.scalar(
        select(Invoice).where(Invoice.contract_id == contract_id, Invoice.kind == kind)
    )


def _squash(text: str) -> str:
    return "".join(text.split())


def test_the_brand_reads_its_invoice_and_its_pdf_says_the_same(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator, price=80_000)
    save_billing(brand_id=deal.brand.id, legal_name="Glow Labs GmbH", address="Hauptstr. 1\nBerlin",
                 country="DE", tax_id="DE123456789")  # fmt: skip
    db.session.commit()
    deal2 = make_deal("funded", app=app, emulator=stripe_emulator, brand=deal.brand, price=30_000)
    invoice = _invoice_of(deal2.contract.id)
    client = signed_in(app, deal.brand)

    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert invoice.display_number in page and "Glow Labs GmbH" in page and "DE123456789" in page
    assert "$300.00" in page and "Platform fee" in page

    response = client.get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("Invoice", invoice.display_number, "GlowLabsGmbH", "DE123456789",
                     "Platformfee", "$300.00", app.config["INVOICE_SELLER_NAME"]):  # fmt: skip
        assert _squash(expected) in text, expected
    listing = client.get("/invoices").get_data(as_text=True)
    assert (
        invoice.display_number in listing
        and _invoice_of(deal.contract.id).display_number in listing
    )


def test_a_chinese_reader_gets_the_invoice_in_chinese(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    invoice = _invoice_of(deal.contract.id)
    deal.brand.locale = "zh_Hans"
    db.session.commit()
    client = signed_in(app, deal.brand)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "发票" in page and "平台服务费" in page
    text = pdf_text(client.get(f"/invoices/{invoice.id}/pdf").data)
    assert "发票" in text and "平台服务费" in text and invoice.display_number in text


def test_without_a_chinese_font_the_pdf_falls_back_to_english(app, stripe_emulator, monkeypatch):
    from app.paperwork import pdf

    monkeypatch.setattr(pdf, "CJK_FONTS", ())
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", "/nonexistent/font.ttc")
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    invoice = _invoice_of(deal.contract.id)
    deal.brand.locale = "zh_Hans"
    db.session.commit()
    client = signed_in(app, deal.brand)
    text = pdf_text(client.get(f"/invoices/{invoice.id}/pdf").data)
    assert "Invoice" in text and "发票" not in text and invoice.display_number in text


def test_another_brand_cannot_read_it_and_finance_can(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    invoice = _invoice_of(deal.contract.id)
    other = signed_in(app, make_user("brand"))
    assert other.get(f"/invoices/{invoice.id}").status_code == 404
    assert other.get(f"/invoices/{invoice.id}/pdf").status_code == 404
    finance = signed_in(app, make_user("finance"))
    assert finance.get(f"/invoices/{invoice.id}/pdf").status_code == 200


def test_a_credit_note_pdf_shows_the_refund_against_the_invoice(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator, price=50_000)
    cancel_contract(contract_id=deal.contract.id, actor_id=deal.brand.id, reason="plans changed")
    db.session.commit()
    drain_jobs()
    invoice, note = _invoice_of(deal.contract.id), _invoice_of(deal.contract.id, "credit_note")
    client = signed_in(app, deal.brand)
    text = pdf_text(client.get(f"/invoices/{note.id}/pdf").data)
    assert "Creditnote" in text and note.display_number in text
    assert invoice.display_number in text and "contractcancelled" in text
    assert "-$525.00" in text or "−$525.00" in text


def test_finance_downloads_every_document_of_a_period_as_one_zip(app, stripe_emulator):
    deals = [make_deal("funded", app=app, emulator=stripe_emulator) for _ in range(2)]
    cancel_contract(contract_id=deals[0].contract.id, actor_id=deals[0].brand.id, reason="x")
    db.session.commit()
    drain_jobs()
    numbers = {i.display_number for i in db.session.scalars(select(Invoice))}
    assert len(numbers) == 3
    finance = signed_in(app, make_user("finance"))
    page = finance.get("/finance/paperwork")
    assert page.status_code == 200 and all(n in page.get_data(as_text=True) for n in numbers)
    response = finance.get("/finance/paperwork/archive.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {n + ".pdf" for n in numbers} <= set(archive.namelist())
    index = archive.read("index.csv").decode()
    assert all(n in index for n in numbers)
    for name in numbers:
        assert name in pdf_text(archive.read(name + ".pdf"))
    bad = finance.get("/finance/paperwork/archive.zip?from=2026-13-01")
    assert bad.status_code == 400 and "from" in bad.get_json()["error"]["fields"]
