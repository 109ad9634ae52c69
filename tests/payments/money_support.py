"""Steps of a deal driven the way users and Stripe drive them."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.contracts.models import Contract
from app.extensions import db
from app.payments.models import ConnectAccount, Funding
from tests.conftest import post_form, signed_in
from tests.factories import give_tax_details


def fund(app, contract: Contract, brand, emulator, card: str = "4242424242424242"):
    """The brand clicks Fund, pays on the hosted Checkout page; Stripe's webhook arrives."""
    client = signed_in(app, brand)
    response = post_form(client, f"/contracts/{contract.id}/fund", page="/")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    session_id = re.search(r"/checkout/(cs_\w+)", location).group(1)
    emulator.pay_checkout_session(session_id, card=card)
    db.session.expire_all()
    return session_id


def onboard(app, kol, emulator, *, tax_details: bool = True) -> ConnectAccount:
    """The KOL gives their tax details and links a Connect account; payouts enable only on
    Stripe's account.updated."""
    if tax_details:
        give_tax_details(kol)
    client = signed_in(app, kol)
    response = post_form(client, "/settings/payouts/onboard", page="/settings/payouts")
    assert response.status_code == 303
    account = db.session.get(ConnectAccount, kol.id)
    emulator.complete_onboarding(account.stripe_account_id)
    db.session.expire_all()
    return db.session.get(ConnectAccount, kol.id)


def funding_of(contract_id: int) -> Funding:
    return db.session.scalar(select(Funding).where(Funding.contract_id == contract_id))
