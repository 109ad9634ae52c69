"""The money hardening suites' deals: tests.factories.make_deal, plus the steps it lacks.

These suites make many deals for one brand (often one KOL too), so a deal is funded through the
services rather than the brand's browser: make_deal's emulator path signs the brand in per deal
(the per-account login limit stops that at `make soak`'s sizes) and drains the job queue, which
the process-fault suite leaves to a worker of its own."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.payments.funding import start_funding
from tests.factories import Deal, make_deal, make_kol, make_user


def parties(app, emulator, *, onboarded: bool = True):
    """One brand and one KOL (Connect account active when ``onboarded``) for many deals."""
    from tests.payments.money_support import onboard

    brand, kol = make_user("brand"), make_kol(verified=True)
    if onboarded:
        onboard(app, kol, emulator)
    return brand, kol


def new_deal(
    brand, kol, stage: str = "awaiting_funding", price: int = 50_000, contract_fields=None
) -> Deal:
    """A deal of these parties on a campaign of its own, sized to the price; ``stage`` is "bid"
    or "awaiting_funding" (funded() and submitted() take it further); ``contract_fields``:
    e.g. outcome terms."""
    return make_deal(stage, brand=brand, kol=kol, price=price, budget=price * 4, notes_wanted=3,
                     contract_fields=contract_fields)  # fmt: skip


def checkout(contract_id: int, brand_id: int) -> str:
    """The brand starts funding; the Checkout Session id."""
    url = start_funding(contract_id=contract_id, brand_id=brand_id)
    db.session.commit()
    return re.search(r"/checkout/(cs_\w+)", url).group(1)


def funded(app, emulator, brand, kol, price: int = 50_000):
    """A contract paid through Checkout; Stripe's webhooks arrive unless held."""
    contract = new_deal(brand, kol, price=price).contract
    emulator.pay_checkout_session(checkout(contract.id, brand.id))
    db.session.expire_all()
    return contract


def submitted(app, emulator, brand, kol, price: int = 50_000):
    """A funded contract whose note is in review (make_deal's "submitted" has no note); returns
    (contract, note)."""
    from tests.notes.support import submitted_note

    contract = funded(app, emulator, brand, kol, price)
    return contract, submitted_note(contract)


def count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)
