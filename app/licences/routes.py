"""Licences on the web: the brand buys a licence or an extension on its published note."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.errors import DomainError
from app.extensions import db
from app.licences.forms import LicencePurchaseForm
from app.licences.purchases import start_licence_purchase
from app.money import MoneyError, parse_amount

bp = Blueprint("licences", __name__)


def _typed(form: LicencePurchaseForm, currency: str) -> dict:
    """The services' values from the form; unreadable text is left for them to name."""
    days = (form.licence_days.data or "").strip()
    try:
        fee = parse_amount(form.licence_fee.data or "", currency)
    except MoneyError:
        fee = None
    return {
        "licence_scope": form.licence_scope.data or None,
        "licence_days": int(days) if days.isdecimal() else None,
        "licence_fee": fee,
    }


@bp.post("/contracts/<int:contract_id>/licence")
@access(Role.BRAND)
def buy(contract_id: int):
    from app.contracts.models import Contract

    form = LicencePurchaseForm()
    contract = db.session.get(Contract, contract_id) or abort(404)
    if form.validate_on_submit():
        try:
            _purchase, checkout_url = start_licence_purchase(
                contract_id=contract_id,
                brand_id=current_user.id,
                values=_typed(form, contract.currency),
            )
            db.session.commit()
            return redirect(checkout_url, 303)
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            for messages in error.fields.values() or [[error.message]]:
                for message in messages:
                    flash(message, "error")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("contracts.detail", contract_id=contract_id) + "#licence")
