"""Outcome deals on the web: a contract's settlement statements, and the KOL's promo code."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.errors import DomainError
from app.extensions import db
from app.outcomes import services
from app.outcomes.forms import PromoCodeForm
from app.outcomes.settlement import reserve_left, window_of

bp = Blueprint("outcomes", __name__)


@bp.get("/contracts/<int:contract_id>/settlements")
@access(Role.BRAND, Role.KOL, Role.FINANCE, Role.ADMIN)
def statements(contract_id: int):
    contract = services.readable_contract(contract_id=contract_id, user=current_user)
    return render_template(
        "outcomes/statements.html",
        contract=contract,
        settlements=services.settlements_of(contract.id),
        window=window_of(contract) if contract.approved_at else None,
        reserve_left=reserve_left(contract),
        reason_text=services.reason_text,
    )


@bp.post("/contracts/<int:contract_id>/promo-code")
@access(Role.KOL)
def promo_code(contract_id: int):
    form = PromoCodeForm()
    if form.validate_on_submit():
        try:
            services.set_promo_code(
                contract_id=contract_id, kol_id=current_user.id, code=form.promo_code.data
            )
            db.session.commit()
            services.forget_note_page(contract_id)
            flash(_("Promo code saved."), "success")
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            for messages in error.fields.values():
                for message in messages:
                    flash(message, "error")
    else:
        flash(_("The form expired; try again."), "error")
    return redirect(url_for("contracts.detail", contract_id=contract_id) + "#outcome")


@bp.app_context_processor
def outcome_labels():
    from app.licence_terms import LICENCE_SCOPES
    from app.outcome_terms import BONUS_METRICS, percent_text

    return {
        "BONUS_METRICS": BONUS_METRICS,
        "LICENCE_SCOPES": LICENCE_SCOPES,
        "percent_text": percent_text,
    }
