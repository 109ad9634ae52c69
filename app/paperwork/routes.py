"""Brands' invoices and credit notes (HTML and PDF) and their billing details."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role
from app.authz import access
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.paperwork import billing
from app.paperwork.documents import invoice_pdf
from app.paperwork.forms import BillingForm
from app.paperwork.models import Invoice
from app.paperwork.render import document, labels

bp = Blueprint("paperwork", __name__)
READERS = (Role.BRAND, Role.FINANCE, Role.ADMIN)


def readable_invoice(invoice_id: int) -> Invoice:
    """The brand's own document; finance and admins read every one; anyone else gets 404."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        abort(404)
    if current_user.role == Role.BRAND and invoice.brand_id != current_user.id:
        abort(404)
    return invoice


@bp.get("/invoices")
@access(Role.BRAND)
def invoices():
    rows = db.session.scalars(
        select(Invoice)
        .where(Invoice.brand_id == current_user.id)
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
        .limit(500)
    ).all()
    return render_template("paperwork/invoices.html", invoices=rows)


@bp.get("/invoices/<int:invoice_id>")
@access(*READERS)
def invoice(invoice_id: int):
    found = readable_invoice(invoice_id)
    return render_template(
        "paperwork/invoice.html", invoice=found, doc=document(found), words=labels()
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
@access(*READERS)
def invoice_pdf_download(invoice_id: int):
    found = readable_invoice(invoice_id)
    return pdf_response(invoice_pdf(found), f"{found.display_number}.pdf")


def pdf_response(data: bytes, filename: str) -> Response:
    return attachment(data, "application/pdf", filename)


def attachment(data: bytes | str, mimetype: str, filename: str) -> Response:
    """A download of someone's paperwork: never kept by a browser or a proxy."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/settings/billing", methods=["GET", "POST"])
@access(Role.BRAND)
def billing_details():
    current = billing.billing_of(current_user.id)
    form = BillingForm(obj=current)
    if form.validate_on_submit():
        try:
            billing.save_billing(brand_id=current_user.id, **_fields(form))
            db.session.commit()
            flash(_("Billing details saved. Your next invoices are made out to them."), "success")
            return redirect(url_for("paperwork.billing_details"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("paperwork/billing.html", form=form), form_status(form)


def _fields(form) -> dict:
    return {name: form[name].data for name in ("legal_name", "address", "country", "tax_id")}
