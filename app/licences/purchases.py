"""Buying a licence, or an extension, on a published note: a new funded purchase through
Checkout (its own Funding row, grouped with the contract's transfers), then — once Stripe says
the brand paid (app/payments/funding.record_payment) — the licence runs and its fee, less the
KOL fee, goes to the KOL through the release path (payout, ledger entry, transfer job)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _

from app.auth.models import User
from app.bids.fees import chargeable_deal_error
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.licence_terms import clean_licence
from app.licences.models import LicencePurchase, PurchaseStatus
from app.money import fee_for
from app.notifications.messages import money
from app.notifications.services import notify
from app.payments import gateway
from app.payments.models import Funding, Payout
from app.templating import contract_url

# A note that is live (or was): its licence can be bought or extended.
PUBLISHED = (ContractStatus.RELEASED, ContractStatus.COMPLETED)


def _checked_terms(contract: Contract, values: dict) -> dict:
    errors: dict = {}
    terms = clean_licence(values, errors)
    if not errors and terms["licence_scope"] is None:
        errors["licence_scope"] = [_("Choose own channels or paid ads.")]
    if not errors and terms["licence_fee"] <= 0:
        errors["licence_fee"] = [_("Enter the fee you offer the KOL.")]
    if not errors and (problem := chargeable_deal_error(
        0, contract.currency, licence_fee=terms["licence_fee"]
    )):  # fmt: skip
        errors["licence_fee"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return terms


def start_licence_purchase(
    *, contract_id: int, brand_id: int, values: dict
) -> tuple[LicencePurchase, str]:
    """The brand offers a fee for a licence (an extension when one is running) on its
    contract's published note; the purchase and its Checkout Session are created. Returns the
    purchase and the Checkout URL to pay on."""
    contract = lock_contract(contract_id)
    if contract.brand_id != brand_id:
        raise NotFound(_("No such contract."))
    if contract.status not in PUBLISHED or contract.approved_at is None:
        raise Conflict(_("A licence can be bought once the note is published."))
    terms = _checked_terms(contract, values)
    config = current_app.config
    purchase = LicencePurchase(
        contract_id=contract.id,
        brand_id=brand_id,
        currency=contract.currency,
        **terms,
        licence_brand_fee=fee_for(terms["licence_fee"], config["BRAND_FEE_BPS"]),
        licence_kol_fee=fee_for(terms["licence_fee"], config["KOL_FEE_BPS"]),
    )
    db.session.add(purchase)
    db.session.flush()
    funding = Funding(
        contract_id=contract.id,
        licence_purchase_id=purchase.id,
        amount=purchase.total,
        currency=contract.currency,
    )
    db.session.add(funding)
    db.session.flush()
    session = gateway.create_checkout_session(
        funding_id=funding.id,
        key=funding.idempotency_key,
        contract_id=contract.id,
        amount=funding.amount,
        currency=funding.currency,
        product=f"Usage licence — contract #{contract.id}",
        customer_email=db.session.get(User, brand_id).email,
        success_url=url_for("main.home", _external=True).rstrip("/") + contract_url(contract.id),
        cancel_url=url_for("main.home", _external=True).rstrip("/") + contract_url(contract.id),
    )
    funding.checkout_session_id = session["id"]
    url = session["url"]
    funding.checkout_url = (
        url_for("main.home", _external=True).rstrip("/") + url if url.startswith("/") else url
    )
    return purchase, funding.checkout_url


def record_licence_payment(*, contract: Contract, funding: Funding, charge_id: str) -> Payout:
    """The brand paid for a licence (the contract row locked, the funding booked as held):
    the licence runs from now, or from the end of the one running (an extension), and its fee
    is released to the KOL. Once: a replay finds the purchase paid and its payout."""
    from app.payments.release import _create_payout

    purchase = db.session.get(LicencePurchase, funding.licence_purchase_id)
    if purchase.status != PurchaseStatus.PAID:
        now = utcnow()
        running = contract.licence_ends_at is not None and contract.licence_ends_at > now
        purchase.starts_at = contract.licence_ends_at if running else now
        purchase.ends_at = purchase.starts_at + timedelta(days=purchase.licence_days)
        purchase.status, purchase.paid_at = PurchaseStatus.PAID.value, now
        contract.licence_scope = purchase.licence_scope
        if not contract.licence_days:
            contract.licence_days = purchase.licence_days
        contract.licence_ends_at, contract.licence_reminded_at = purchase.ends_at, None
        notify(
            user_id=contract.kol_id,
            kind="licence.bought",
            link=contract_url(contract.id),
            id=contract.id,
            amount=money(purchase.licence_fee - purchase.licence_kol_fee, purchase.currency),
        )
    return _create_payout(
        contract=contract,
        stage=purchase.payout_stage,
        held_part=purchase.total,
        kol_amount=purchase.licence_fee - purchase.licence_kol_fee,
        charge_id=charge_id,
    )
