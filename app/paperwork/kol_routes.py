"""KOLs' tax details and yearly earnings statements (page, PDF, CSV)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.paperwork import statements
from app.paperwork.crypto import masked
from app.paperwork.forms import TaxDetailsForm
from app.paperwork.models import KolTaxDetails
from app.paperwork.routes import attachment, bp, pdf_response
from app.paperwork.taxinfo import save_tax_details

FACTS = (
    "legal_name", "address", "tax_residence", "citizenship", "tin_type", "tin",
    "treaty_country", "treaty_article", "treaty_rate", "certified_name", "certify",
)  # fmt: skip


@bp.route("/settings/tax", methods=["GET", "POST"])
@access(Role.KOL)
def tax_details():
    details = db.session.get(KolTaxDetails, current_user.id)
    form = TaxDetailsForm(obj=details)
    if request.method == "GET" and details is not None:
        form.us_person.data = "yes" if details.form == "w9" else "no"
        form.tin.data = ""  # never sent back to the browser
        form.treaty_rate.data = (
            f"{details.treaty_rate_bps / 100:g}" if details.treaty_rate_bps is not None else ""
        )
        form.certify.data = False
    if form.validate_on_submit():
        try:
            facts = {name: form[name].data for name in FACTS}
            save_tax_details(
                kol_id=current_user.id, us_person=form.us_person.data == "yes", facts=facts
            )
            db.session.commit()
            flash(_("Tax details saved. Payouts that waited for them are on their way."), "success")
            return redirect(url_for("paperwork.tax_details"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    shown = masked(details.tin_last4) if details is not None else None
    page = render_template("paperwork/tax.html", form=form, details=details, tin_shown=shown)
    return page, form_status(form)


def _year() -> int | None:
    text = request.args.get("year")
    return utcnow().year if text is None else statements.parse_year(text)


@bp.get("/earnings/yearly")
@access(Role.KOL)
def yearly_statement():
    year = _year()
    if year is None:
        flash(_("Choose a year like 2026."), "error")
        return redirect(url_for("paperwork.yearly_statement")), 303
    result = statements.statement(kol_id=current_user.id, year=year)
    return render_template(
        "paperwork/statement.html",
        result=result,
        years=statements.years_paid(current_user.id),
        has_details=db.session.get(KolTaxDetails, current_user.id) is not None,
    )


@bp.get("/earnings/yearly.pdf")
@access(Role.KOL)
def yearly_statement_pdf():
    year = _year()
    if year is None:
        return _bad_year()
    result = statements.statement(kol_id=current_user.id, year=year)
    return pdf_response(statements.statement_pdf(result, current_user), f"earnings-{year}.pdf")


@bp.get("/earnings/yearly.csv")
@access(Role.KOL)
def yearly_statement_csv():
    year = _year()
    if year is None:
        return _bad_year()
    result = statements.statement(kol_id=current_user.id, year=year)
    return attachment(statements.statement_csv(result), "text/csv", f"earnings-{year}.csv")


def _bad_year():
    return {"error": {"code": "validation_failed", "message": _("Choose a year like 2026."),
                      "fields": {"year": [_("Choose a year like 2026.")]}}}, 400  # fmt: skip
