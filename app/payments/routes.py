"""Money pages: fund, cancel, dispute, payouts onboarding, what was paid and earned; the
Stripe webhook endpoint; the admin's dispute desk."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.audit import audit
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.contracts.models import Contract, ContractStatus
from app.contracts.services import party_contract, visible_contract
from app.errors import DomainError
from app.extensions import csrf, db
from app.failpoints import failpoint
from app.forms import form_status, show_errors
from app.money import MoneyError, parse_amount
from app.payments import connect, gateway, queries
from app.payments.disputes import open_dispute, resolve_dispute
from app.payments.forms import OnboardForm, ReasonForm, ResolveForm
from app.payments.funding import start_funding
from app.payments.refunds import cancel_contract
from app.payments.stripe_errors import user_error
from app.payments.webhooks import handle_event

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)


def _contract_page(contract_id: int) -> str:
    from app.templating import contract_url

    return contract_url(contract_id)


@bp.post("/contracts/<int:contract_id>/fund")
@access(Role.BRAND)
def fund_contract(contract_id: int):
    # CSRFProtect has checked the token before the view ran; there are no fields.
    try:
        url = start_funding(contract_id=contract_id, brand_id=current_user.id)
        db.session.commit()
    except gateway.StripeError as error:
        db.session.rollback()  # the funding row goes too: a new attempt gets a new key
        log.warning("funding contract %s: Stripe answered %r", contract_id, error)
        flash(user_error(error).message, "error")
        return redirect(_contract_page(contract_id))
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)  # another brand's contract: not a page to send them back to
        flash(error.message, "error")
        return redirect(_contract_page(contract_id))
    return redirect(url, code=303)


@bp.get("/contracts/<int:contract_id>/funded")
@access(Role.BRAND)
def funded(contract_id: int):
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.brand_id != current_user.id:
        abort(404)
    return render_template(
        "payments/funded.html",
        contract=contract,
        confirmed=contract.status != ContractStatus.AWAITING_FUNDING,
    )


@bp.post("/contracts/<int:contract_id>/cancel")
@access(Role.BRAND, Role.KOL, Role.ADMIN)
def cancel(contract_id: int):
    visible_contract(contract_id=contract_id, user=current_user)  # others: 404, form or not
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            cancel_contract(
                contract_id=contract_id,
                actor_id=current_user.id,
                reason=form.reason.data,
                admin=current_user.role == Role.ADMIN,
            )
            db.session.commit()
            flash(_("Contract cancelled. Anything paid is being refunded in full."), "success")
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                abort(404)
            flash(error.message, "error")
    else:
        flash(_("Say why you cancel."), "error")
    return redirect(_contract_page(contract_id))


@bp.post("/contracts/<int:contract_id>/dispute")
@access(Role.BRAND, Role.KOL)
def dispute(contract_id: int):
    party_contract(contract_id=contract_id, user_id=current_user.id)  # others: 404
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            open_dispute(contract_id=contract_id, user_id=current_user.id, reason=form.reason.data)
            db.session.commit()
            flash(
                _("Dispute opened. An admin will review it; funds stay held meanwhile."), "success"
            )
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                abort(404)
            flash(error.message, "error")
    else:
        flash(_("Say what went wrong."), "error")
    return redirect(_contract_page(contract_id))


@bp.get("/admin/disputes")
@access(Role.ADMIN)
def disputes():
    contracts = db.session.scalars(
        select(Contract).where(Contract.status == ContractStatus.DISPUTED).order_by(Contract.id)
    ).all()
    return render_template("payments/disputes.html", rows=queries.money_for_contracts(contracts))


@bp.route("/admin/disputes/<int:contract_id>", methods=["GET", "POST"])
@access(Role.ADMIN)
def resolve(contract_id: int):
    contract = db.session.get(Contract, contract_id) or abort(404)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            amount = parse_amount(form.refund_amount.data, contract.currency)
            resolve_dispute(
                contract_id=contract_id,
                admin_id=current_user.id,
                refund_amount=amount,
                reason=form.reason.data,
            )
            audit(
                actor_id=current_user.id,
                action="dispute.resolve",
                object_type="contract",
                object_id=contract_id,
                reason=form.reason.data,
                after={"refund_amount": amount, "currency": contract.currency},
            )
            db.session.commit()
            flash(_("Dispute resolved; the refund and the release are on their way."), "success")
            return redirect(url_for("payments.disputes"))
        except MoneyError:
            form.refund_amount.errors = [_("Enter an amount like 120 or 120.50.")]
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    from app.status import history

    row = queries.money_for_contracts([contract])[0]
    return render_template(
        "payments/resolve.html", row=row, form=form, history=history("contract", contract_id)
    ), form_status(form)


@bp.get("/settings/payouts")
@access(Role.KOL)
def payouts():
    account = connect.account_status(current_user.id)
    if request.args.get("returned") and account is not None and not account.transfers_active:
        flash(_("Thanks! Stripe is checking your details; payouts start once it confirms."), "info")
    rows = queries.money_for_contracts(queries.contracts_of(kol_id=current_user.id))
    form = OnboardForm(country=connect.profile_country(current_user.id))
    return render_template("payments/payouts.html", account=account, rows=rows, form=form)


@bp.post("/settings/payouts/onboard")
@access(Role.KOL)
def onboard():
    form = OnboardForm()
    if not form.validate_on_submit():
        flash(_("Choose a country from the list."), "error")
        return redirect(url_for("payments.payouts"))
    try:
        url = connect.onboarding_link(user_id=current_user.id, country=form.country.data or None)
        db.session.commit()
    except DomainError as error:  # a country Stripe cannot open accounts in
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.payouts"))
    except gateway.StripeError as error:
        db.session.rollback()
        log.exception("Connect onboarding failed for user %s", current_user.id)
        flash(user_error(error).message, "error")
        return redirect(url_for("payments.payouts"))
    return redirect(url, code=303)


@bp.get("/payments")
@access(Role.BRAND)
def brand_payments():
    rows = queries.money_for_contracts(queries.contracts_of(brand_id=current_user.id))
    return render_template(
        "payments/brand.html",
        rows=rows,
        totals=queries.totals(rows),
        campaigns=queries.by_campaign(rows),
    )


@bp.get("/payments/receipt/<int:contract_id>")
@access(Role.BRAND)
def receipt(contract_id: int):
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.brand_id != current_user.id:
        abort(404)
    row = queries.money_for_contracts([contract])[0]
    if not row.paid:
        abort(404)
    return render_template("payments/receipt.html", row=row)


@bp.get("/earnings")
@access(Role.KOL)
def earnings():
    rows = queries.money_for_contracts(queries.contracts_of(kol_id=current_user.id))
    return render_template(
        "payments/earnings.html",
        rows=rows,
        totals=queries.totals(rows),
        next_release=queries.next_release,
        account=connect.account_status(current_user.id),
    )


@bp.get("/earnings/statement")
@access(Role.KOL)
def statement():
    from app.db_types import utcnow

    month = request.args.get("month") or utcnow().strftime("%Y-%m")
    bounds = queries.month_bounds(month)
    if bounds is None:
        flash(_("Choose a month like 2026-11."), "error")
        return redirect(url_for("payments.earnings"))
    payouts, totals = queries.statement(kol_id=current_user.id, start=bounds[0], end=bounds[1])
    return render_template("payments/statement.html", month=month, payouts=payouts, totals=totals)


@bp.post("/webhooks/stripe")
@access(PUBLIC)
@csrf.exempt
def stripe_webhook():
    return _receive_webhook(connect=False)


@bp.post("/webhooks/stripe/connect")
@access(PUBLIC)
@csrf.exempt
def stripe_connect_webhook():
    """Connected accounts' events (account.updated), signed with the Connect endpoint's secret."""
    return _receive_webhook(connect=True)


def _receive_webhook(*, connect: bool):
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = gateway.verify_webhook(payload, signature, connect=connect)
        outcome = handle_event(event, connect=connect)
        failpoint("webhook_before_commit")  # fault tests: the database restarts meanwhile
        db.session.commit()
    except gateway.FutureSignature:
        log.warning("rejected a webhook signed more than the tolerance in the future")
        return _webhook_error("bad_signature", "Signature timestamp is in the future", 400)
    except gateway.SignatureError:
        log.warning("rejected a webhook with a bad or stale signature")
        return _webhook_error("bad_signature", "Invalid signature", 400)
    except gateway.MalformedEvent as error:  # signed, but not JSON or not an event
        db.session.rollback()
        log.warning("rejected a signed webhook that is no readable event: %s", error)
        return _webhook_error("malformed_event", "Not a readable Stripe event", 400)
    except gateway.StripeError:
        db.session.rollback()  # Stripe retries the delivery; nothing was recorded
        log.warning("webhook %s deferred: Stripe unreachable", event.get("id"))
        return _webhook_error("retry", "Try again", 503)
    return {"received": True, "outcome": outcome}


def _webhook_error(code: str, message: str, status: int) -> tuple[dict, int]:
    return {"error": {"code": code, "message": message, "fields": {}}}, status
