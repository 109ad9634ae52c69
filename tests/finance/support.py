"""Deals driven through the emulator for finance tests, and signed-in clients."""

from __future__ import annotations

from sqlalchemy import select

from app.contracts.lifecycle import mark_submitted
from app.extensions import db
from app.payments.models import Payout
from app.payments.refunds import cancel_contract
from app.payments.release import approve_contract
from tests.conftest import login
from tests.factories import PASSWORD, make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard


def released_deal(app, emulator, *, price: int = 50_000, currency: str = "usd"):
    """Funded, approved, first share transferred to an onboarded KOL."""
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand, currency=currency), kol, price=price))
    onboard(app, kol, emulator)
    fund(app, contract, brand, emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return brand, kol, contract


def refunded_deal(app, emulator, *, price: int = 30_000):
    """Funded, then cancelled before submission: refunded in full."""
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol, price=price))
    fund(app, contract, brand, emulator)
    cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="recalled")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return brand, kol, contract


def payout_of(contract_id: int) -> Payout:
    return db.session.scalar(select(Payout).where(Payout.contract_id == contract_id))


def signed_in(app, role: str):
    user = make_user(role)
    client = app.test_client()
    login(client, user.email, PASSWORD)
    return user, client
