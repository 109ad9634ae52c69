"""/api/v1 paperwork: a brand's invoices and credit notes (JSON and PDF), a KOL's yearly
earnings statement."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.paperwork_schemas import (
    InvoiceArgs,
    InvoiceList,
    InvoiceSchema,
    StatementArgs,
    StatementSchema,
)
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.db_types import utcnow
from app.errors import json_error
from app.extensions import db
from app.pagination import page_json
from app.paperwork import statements
from app.paperwork.documents import invoice_pdf
from app.paperwork.models import Invoice, KolTaxDetails
from app.paperwork.render import line_text

_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not your invoice"}
_PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


def invoice_json(invoice: Invoice) -> dict:
    return {
        "id": invoice.id,
        "number": invoice.display_number,
        "kind": invoice.kind,
        "issued_at": invoice.issued_at.isoformat().replace("+00:00", "Z"),
        "contract_id": invoice.contract_id,
        "currency": invoice.currency,
        "total": invoice.total,
        "tax": invoice.tax,
        "tax_rate_bps": invoice.tax_rate_bps,
        "credits_invoice_id": invoice.credits_invoice_id,
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "lines": [
            {
                "code": line["code"],
                "description": line_text(line),
                "net": line["net"],
                "tax": line["tax"],
                "gross": line["gross"],
            }
            for line in invoice.lines
        ],
        "pdf_url": f"/api/v1/invoices/{invoice.id}/pdf",
    }


def _own_invoice(invoice_id: int) -> Invoice | None:
    invoice = db.session.get(Invoice, invoice_id)
    return invoice if invoice is not None and invoice.brand_id == api_user().id else None


@bp.get("/invoices")
@api_access(Role.BRAND)
@bp.doc(operationId="listInvoices", summary="The brand's invoices and credit notes, newest first")
@bp.arguments(InvoiceArgs, location="query")
@bp.response(200, InvoiceList)
def list_invoices(args: dict):
    query = select(Invoice).where(Invoice.brand_id == api_user().id)
    if args.get("kind"):
        query = query.where(Invoice.kind == args["kind"])
    page = db.paginate(
        query.order_by(Invoice.issued_at.desc(), Invoice.id.desc()),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
    )
    return page_json(page, [invoice_json(i) for i in page.items])


@bp.get("/invoices/<int:invoice_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="getInvoice", summary="One invoice or credit note of the brand")
@bp.response(200, InvoiceSchema)
@bp.alt_response(404, **_NOT_FOUND)
def get_invoice(invoice_id: int):
    invoice = _own_invoice(invoice_id)
    if invoice is None:
        return json_error(404, "not_found", "No such invoice.")
    return invoice_json(invoice)


@bp.get("/invoices/<int:invoice_id>/pdf")
@api_access(Role.BRAND)
@bp.doc(
    operationId="getInvoicePdf",
    summary="The invoice or credit note as a PDF (in the key owner's language)",
    responses={"200": {"description": "The PDF", **_PDF}},
)
@bp.alt_response(404, **_NOT_FOUND)
def invoice_pdf_file(invoice_id: int):
    invoice = _own_invoice(invoice_id)
    if invoice is None:
        return json_error(404, "not_found", "No such invoice.")
    response = Response(invoice_pdf(invoice), mimetype="application/pdf")
    name = f"{invoice.display_number}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/statements")
@api_access(Role.KOL)
@bp.doc(
    operationId="getEarningsStatement",
    summary="The KOL's yearly earnings statement: payouts transferred in the year, less "
    "reversals (default: this year)",
)
@bp.arguments(StatementArgs, location="query")
@bp.response(200, StatementSchema)
def earnings_statement(args: dict):
    kol_id = api_user().id
    result = statements.statement(kol_id=kol_id, year=args.get("year") or utcnow().year)
    return {
        "year": result.year,
        "payouts": [
            {
                "payout_id": p.id,
                "contract_id": p.contract_id,
                "currency": p.currency,
                "paid_at": p.paid_at.isoformat().replace("+00:00", "Z"),
                "paid": p.amount,
                "reversed": p.amount_reversed,
                "kept": p.amount - p.amount_reversed,
            }
            for p in result.payouts
        ],
        "totals": [{"currency": c, "kept": t} for c, t in sorted(result.totals.items())],
        "years": statements.years_paid(kol_id),
        "tax_details_given": db.session.get(KolTaxDetails, kol_id) is not None,
    }
