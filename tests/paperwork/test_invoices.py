"""Each paid funding is invoiced, each refund credited, in gapless series of their own."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.paperwork.invoices import tax_included
from app.paperwork.models import Invoice
from app.payments.refunds import cancel_contract
from tests.factories import make_deal
from tests.payments.conftest import drain_jobs


def _documents(contract_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice).where(Invoice.contract_id == contract_id).order_by(Invoice.id)
        )
    )


def test_a_funded_deal_has_an_invoice_with_price_and_fee_lines(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator, price=80_000)
    (invoice,) = _documents(deal.contract.id)
    contract = deal.contract
    assert invoice.kind == "invoice" and invoice.display_number.endswith(
        f"-INV-{invoice.year}-000001"
    )
    assert invoice.total == contract.price + contract.brand_fee
    assert [(line["code"], line["gross"]) for line in invoice.lines] == [
        ("price", 80_000),
        ("platform_fee", contract.brand_fee),
    ]
    assert invoice.seller["name"] == app.config["INVOICE_SELLER_NAME"]
    assert invoice.buyer["email"] == deal.brand.email
    assert invoice.tax == 0


def test_a_cancelled_funded_deal_gets_a_credit_note_against_its_invoice(app, stripe_emulator):
    first = make_deal("funded", app=app, emulator=stripe_emulator)
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    cancel_contract(contract_id=deal.contract.id, actor_id=deal.brand.id, reason="changed plans")
    db.session.commit()
    drain_jobs()
    invoice, note = _documents(deal.contract.id)
    assert invoice.number == 2 and _documents(first.contract.id)[0].number == 1
    assert note.kind == "credit_note" and note.series == "CN" and note.number == 1
    assert note.credits_invoice_id == invoice.id and note.total == invoice.total
    assert note.lines[0]["params"] == {"reason": "cancellation", "invoice": invoice.display_number}


def test_tax_where_configured_is_inside_what_was_paid(app, stripe_emulator, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_TAX_RATE_BPS", 2000)  # 20 % VAT
    deal = make_deal("funded", app=app, emulator=stripe_emulator, price=60_000)
    (invoice,) = _documents(deal.contract.id)
    assert invoice.tax_rate_bps == 2000
    assert invoice.lines[0] == {"code": "price", "gross": 60_000, "tax": 10_000, "net": 50_000,
                                "params": {"contract": deal.contract.id}}  # fmt: skip
    assert invoice.tax == sum(line["tax"] for line in invoice.lines)
    assert sum(line["net"] + line["tax"] for line in invoice.lines) == invoice.total


def test_tax_included_rounds_half_up():
    assert tax_included(12_000, 2000) == 2_000
    assert tax_included(1, 2000) == 0  # 0.1666…
    assert tax_included(3, 2000) == 1  # 0.5 rounds up
    assert tax_included(5_000, 0) == 0
