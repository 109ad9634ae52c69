"""Invoices and credit notes as PDFs, and every one of a period in one ZIP archive."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.csvsafe import decimal_amount, stream_csv
from app.extensions import db
from app.paperwork.models import Invoice
from app.paperwork.pdf import Sheet, cjk_font, write
from app.paperwork.render import document, labels


@contextmanager
def pdf_language() -> Iterator[None]:
    """The reader's language, or English when no font here can write Chinese."""
    if str(get_locale()) == "zh_Hans" and cjk_font() is None:
        with force_locale("en"):
            yield
    else:
        yield


def _party(party: dict, tax_label: str) -> list[str]:
    lines = [party.get("name") or "", *(party.get("address") or "").splitlines()]
    if party.get("country"):
        lines.append(party["country"])
    if party.get("tax_id"):
        lines.append(f"{tax_label}: {party['tax_id']}")
    if party.get("email"):
        lines.append(party["email"])
    return [line for line in lines if line]


def invoice_sheet(invoice: Invoice) -> Sheet:
    doc, words = document(invoice), labels()
    return Sheet(
        title=doc.title,
        facts=[(words["number"], doc.number), (words["date"], doc.issued_on)],
        blocks=[
            (words["seller"], _party(doc.seller, words["tax_id"])),
            (words["buyer"], _party(doc.buyer, words["tax_id"])),
        ],
        headings=[words["description"], words["net"], words["tax"], words["amount"]],
        rows=[[line.text, line.net, line.tax, line.gross] for line in doc.lines],
        totals=[(words["subtotal"], doc.net), (words["tax"], doc.tax), (words["total"], doc.total)],
        notes=[doc.reference, doc.tax_note],
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    with pdf_language():
        return write(invoice_sheet(invoice))


def issued_between(start: datetime, end: datetime) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.issued_at >= start, Invoice.issued_at < end)
            .order_by(Invoice.series, Invoice.year, Invoice.number)
        )
    )


INDEX_HEADER = [
    "number", "kind", "issued_at", "contract_id", "brand_id", "buyer", "buyer_tax_id",
    "currency", "total_minor", "tax_minor", "total", "tax", "credits",
]  # fmt: skip


def archive(start: datetime, end: datetime) -> tuple[bytes, int]:
    """Every invoice and credit note issued in [start, end) as PDFs, with an index.csv."""
    invoices = issued_between(start, end)
    numbers = {i.id: i.display_number for i in invoices}
    credited = {i.credits_invoice_id for i in invoices} - set(numbers) - {None}
    if credited:  # credit notes of this period against invoices of an earlier one
        earlier = db.session.scalars(select(Invoice).where(Invoice.id.in_(credited)))
        numbers |= {i.id: i.display_number for i in earlier}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for invoice in invoices:
            zf.writestr(f"{invoice.display_number}.pdf", invoice_pdf(invoice))
        rows = [_index_row(i, numbers) for i in invoices]
        zf.writestr("index.csv", "".join(stream_csv(INDEX_HEADER, rows)))
        zf.writestr("README.txt", _("Invoices and credit notes issued from %(start)s to %(end)s (UTC, end excluded).", start=start.date().isoformat(), end=end.date().isoformat()))  # fmt: skip
    return buffer.getvalue(), len(invoices)


def _index_row(invoice: Invoice, numbers: dict[int, str]) -> list:
    credits = invoice.credits_invoice_id
    return [
        invoice.display_number,
        invoice.kind,
        invoice.issued_at,
        invoice.contract_id,
        invoice.brand_id,
        invoice.buyer.get("name"),
        invoice.buyer.get("tax_id"),
        invoice.currency,
        invoice.total,
        invoice.tax,
        decimal_amount(invoice.total, invoice.currency),
        decimal_amount(invoice.tax, invoice.currency),
        numbers.get(credits, ""),
    ]
