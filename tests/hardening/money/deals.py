"""Deals built straight through the services (no login per deal), in any money state."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.payments.funding import start_funding
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user


def parties(app, emulator, *, onboarded: bool = True):
    """One brand and one KOL (Connect account active when ``onboarded``) for many deals."""
    from tests.payments.money_support import onboard

    brand, kol = make_user("brand"), make_kol(verified=True)
    if onboarded:
        onboard(app, kol, emulator)
    return brand, kol


def new_bid(brand, kol, price: int = 50_000):
    campaign = make_campaign(brand, budget=price * 4, notes_wanted=3)
    return make_bid(campaign, kol, price=price)


def checkout(contract_id: int, brand_id: int) -> str:
    """The brand starts funding; the Checkout Session id."""
    url = start_funding(contract_id=contract_id, brand_id=brand_id)
    db.session.commit()
    return re.search(r"/checkout/(cs_\w+)", url).group(1)


def funded(app, emulator, brand, kol, price: int = 50_000):
    """A contract paid through Checkout; Stripe's webhooks arrive unless held."""
    contract = make_contract(new_bid(brand, kol, price))
    emulator.pay_checkout_session(checkout(contract.id, brand.id))
    db.session.expire_all()
    return contract


def submitted(app, emulator, brand, kol, price: int = 50_000):
    """A funded contract whose note is in review; returns (contract, note)."""
    from tests.notes.support import submitted_note

    contract = funded(app, emulator, brand, kol, price)
    return contract, submitted_note(contract)


def count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)
