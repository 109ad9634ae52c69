"""Deals driven through the emulator for finance tests (shapes over make_deal)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.payments.models import Payout
from app.payments.refunds import cancel_contract
from tests.factories import make_deal
from tests.payments.conftest import drain_jobs


def released_deal(app, emulator, *, price: int = 50_000, currency: str = "usd"):
    """Funded, approved, first share transferred to an onboarded KOL."""
    deal = make_deal(
        "released", app=app, emulator=emulator, onboarded=True, price=price, currency=currency
    )
    return deal.brand, deal.kol, deal.contract


def refunded_deal(app, emulator, *, price: int = 30_000):
    """Funded, then cancelled before submission: refunded in full."""
    deal = make_deal("funded", app=app, emulator=emulator, price=price)
    cancel_contract(contract_id=deal.contract.id, actor_id=deal.brand.id, reason="recalled")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return deal.brand, deal.kol, deal.contract


def payout_of(contract_id: int) -> Payout:
    return db.session.scalar(select(Payout).where(Payout.contract_id == contract_id))
