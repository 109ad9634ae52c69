"""Disputes between the two sides of a deal: either side disputes a funded contract, and an
admin splits what is held, part refunded to the brand and the rest released to the KOL."""

from __future__ import annotations

from flask_babel import gettext as _

from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.ledger.services import HELD, balance
from app.notifications.messages import money
from app.notifications.services import notify
from app.payments.models import DisputeResolution
from app.payments.refunds import claim_refund, paid_funding, party_contract
from app.payments.release import release_split
from app.status import move
from app.text import clean_text

S = ContractStatus
DISPUTABLE = (S.FUNDED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.RELEASED)


def open_dispute(*, contract_id: int, user_id: int, reason: str) -> Contract:
    """Either side disputes a funded deal; an admin splits the held money."""
    contract = party_contract(contract_id, user_id)
    text = clean_text(reason, 2000)
    if not text:
        raise ValidationFailed({"reason": [_("Say what went wrong.")]})
    if contract.status not in DISPUTABLE:
        raise Conflict(_("This contract cannot be disputed now."))
    move(contract, S.DISPUTED, by=user_id, reason=text)
    _tell_both(contract, "dispute.opened", reason=text)
    return contract


def resolve_dispute(
    *, contract_id: int, admin_id: int, refund_amount: int, reason: str
) -> DisputeResolution:
    """Split what is held: ``refund_amount`` back to the brand, the rest released to the KOL."""
    contract = lock_contract(contract_id)
    if contract.status != S.DISPUTED:
        raise Conflict(_("Only a disputed contract can be resolved."))
    text = clean_text(reason, 2000)
    held = balance(HELD, contract.currency, contract_id=contract.id)
    errors = {}
    if not text:
        errors["reason"] = [_("Write the reason both sides will read.")]
    if refund_amount < 0 or refund_amount > held:
        errors["refund_amount"] = [_("Refund between 0 and the amount held.")]
    if errors:
        raise ValidationFailed(errors)
    resolution = DisputeResolution(
        contract_id=contract.id,
        refund_amount=refund_amount,
        release_amount=held - refund_amount,
        currency=contract.currency,
        reason=text,
        admin_id=admin_id,
    )
    db.session.add(resolution)
    funding = paid_funding(contract.id)
    if refund_amount:
        claim_refund(
            contract=contract,
            amount=refund_amount,
            reason_code="dispute",
            charge_id=funding.charge_id,
        )
    if held - refund_amount:
        release_split(contract=contract, amount=held - refund_amount, charge_id=funding.charge_id)
    move(contract, S.RESOLVED, by=admin_id, reason=text)
    _tell_both(
        contract,
        "dispute.resolved",
        refund=money(refund_amount, contract.currency),
        release=money(held - refund_amount, contract.currency),
        reason=text,
    )
    return resolution


def _tell_both(contract: Contract, kind: str, **facts) -> None:
    """Both sides hear of a dispute's opening and its outcome, each in their language."""
    for user_id in (contract.brand_id, contract.kol_id):
        notify(
            user_id=user_id, kind=kind, link=f"/contracts/{contract.id}", id=contract.id, **facts
        )
