"""A contract's usage licence: paid to the KOL on approval through the usual release path (a
payout, its ledger entry, the transfer job), running from approval for its days, and the
brand told some days before it ends (a contract tick, app/periodic.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.ledger.services import HELD, balance
from app.notifications.messages import day_of
from app.notifications.services import notify
from app.payments.models import Payout

LICENCE_STAGE = "licence"


def start_licence(contract: Contract) -> Payout | None:
    """At approval (the contract row locked by the caller): the licence runs from now for its
    days, and its fee (less the KOL fee) is released to the KOL as the ``licence`` payout; the
    brand fee on it goes to revenue. Idempotent: one payout per contract and stage."""
    from app.payments.release import _create_payout, funding_charge_id

    if not contract.has_licence:
        return None
    start = contract.approved_at or utcnow()
    contract.licence_ends_at = start + timedelta(days=contract.licence_days)
    if contract.licence_fee <= 0:
        return None
    held = balance(HELD, contract.currency, contract_id=contract.id)
    return _create_payout(
        contract=contract,
        stage=LICENCE_STAGE,
        held_part=min(held, contract.licence_total),
        kol_amount=contract.licence_net,
        charge_id=funding_charge_id(contract.id),
    )


def remind_licence_endings(now: datetime) -> int:
    """Tell each brand once, LICENCE_REMINDER_DAYS before a licence ends, that it will end."""
    soon = now + timedelta(days=current_app.config["LICENCE_REMINDER_DAYS"])
    contracts = db.session.scalars(
        select(Contract)
        .where(
            Contract.licence_ends_at.is_not(None),
            Contract.licence_ends_at > now,
            Contract.licence_ends_at <= soon,
            Contract.licence_reminded_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for contract in contracts:
        contract.licence_reminded_at = now
        notify(
            user_id=contract.brand_id,
            kind="licence.ending",
            link=f"/contracts/{contract.id}",
            id=contract.id,
            date=day_of(contract.licence_ends_at),
        )
    return len(contracts)
