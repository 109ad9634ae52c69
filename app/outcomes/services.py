"""Outcome deals as people use them: a brand reverses a returned order, a KOL chooses a promo
code, both read the settlements; and the scheduled step that runs settlements."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.analytics.models import Conversion
from app.analytics.rollups import hour_of, upsert_rollups
from app.auth.models import Role, User
from app.campaigns.models import Campaign
from app.context import in_app_context
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import run_inline_jobs
from app.notes.models import Note
from app.outcome_terms import TERM_DEFAULTS
from app.outcomes.models import Settlement
from app.outcomes.settlement import due_contract_ids, settle_contract

log = logging.getLogger(__name__)
PROMO_CODE_RE = re.compile(r"^[A-Z0-9]{4,20}$")
# Why an order did not count, as both sides read it (stored as the code).
REASON_TEXT = {
    "": _l("Counted"),
    "unconfirmed": _l("Not confirmed by the brand's server"),
    "reversed": _l("Reversed (returned or refunded)"),
    "outside_window": _l("Outside the performance window"),
    "other_currency": _l("In another currency than the contract"),
    "bot_click": _l("The click came from a robot"),
    "click_not_recorded": _l("No recorded click matches it"),
}


# ---- conversion reversal (the brand, by API key) -------------------------------------------


def reverse_conversion(*, brand_id: int, order_id: str) -> Conversion:
    """The brand reverses an order it reported (returned or refunded) within the return window
    its campaign set. It never earns commission from then on; if a settlement counted it
    already, the next settlement deducts it (never below zero). Repeating it changes nothing."""
    conversion = db.session.scalar(
        select(Conversion).where(Conversion.brand_id == brand_id, Conversion.order_id == order_id)
    )
    if conversion is None:
        raise NotFound(_("No such order."))
    if conversion.reversed_at is not None:
        return conversion
    closes = conversion.occurred_at + timedelta(days=_return_days(conversion))
    now = utcnow()
    if now > closes:
        raise Conflict(
            _("The return window for this order closed on %(date)s.", date=format_datetime(closes))
        )
    won = db.session.execute(
        update(Conversion)
        .where(Conversion.id == conversion.id, Conversion.reversed_at.is_(None))
        .values(reversed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(conversion)
    if won and conversion.confirmed and conversion.note_id is not None:
        _uncount(conversion)
    return conversion


def _return_days(conversion: Conversion) -> int:
    if conversion.contract_id is None:
        return TERM_DEFAULTS["return_days"]
    days = db.session.scalar(
        select(Contract.return_days).where(Contract.id == conversion.contract_id)
    )
    return TERM_DEFAULTS["return_days"] if days is None else days


def _uncount(conversion: Conversion) -> None:
    """Take a reversed order out of the note's hourly rollup (conversions and revenue)."""
    note = db.session.get(Note, conversion.note_id)
    currency = db.session.scalar(select(Campaign.currency).where(Campaign.id == note.campaign_id))
    upsert_rollups(
        [
            {
                "note_id": note.id,
                "hour": hour_of(conversion.occurred_at),
                "contract_id": note.contract_id,
                "campaign_id": note.campaign_id,
                "kol_id": note.kol_id,
                "conversions": -1,
                "revenue": -conversion.value if conversion.currency == currency else 0,
            }
        ]
    )


# ---- promo codes (the KOL) -----------------------------------------------------------------


def set_promo_code(
    *, contract_id: int, kol_id: int, code: str | None, missing: bool = False
) -> Contract:
    """The KOL chooses the contract's promo code: 4–20 letters and digits, unique per brand
    (stored upper-case; empty removes it). ``missing``: the request named no code (checked
    after access, so a stranger learns nothing from the answer)."""
    contract = lock_contract(contract_id)
    if contract.kol_id != kol_id:
        raise NotFound(_("No such contract."))
    if missing:
        raise ValidationFailed({"promo_code": [_("Enter a promo code, or null to remove it.")]})
    code = (code or "").strip().upper() or None
    if code is not None and not PROMO_CODE_RE.match(code):
        raise ValidationFailed({"promo_code": [_("Use 4 to 20 letters A–Z and digits.")]})
    if code is not None and _code_taken(contract, code):
        raise ValidationFailed(
            {"promo_code": [_("This brand already has that code; pick another.")]}
        )
    contract.promo_code = code
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # taken by a concurrent request
        raise ValidationFailed(
            {"promo_code": [_("This brand already has that code; pick another.")]}
        ) from None
    return contract


def _code_taken(contract: Contract, code: str) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Contract)
            .where(
                Contract.brand_id == contract.brand_id,
                Contract.promo_code == code,
                Contract.id != contract.id,
            )
        )
        > 0
    )


def promo_code_of(contract_id: int) -> str | None:
    return db.session.scalar(select(Contract.promo_code).where(Contract.id == contract_id))


def forget_note_page(contract_id: int) -> None:
    """After a promo code changed (and committed): the note's cached public page shows it."""
    from app import pagecache

    note_id = db.session.scalar(select(Note.id).where(Note.contract_id == contract_id))
    if note_id is not None:
        pagecache.invalidate({f"note:{note_id}"})


def note_of_promo_code(brand_id: int, code: str) -> Note | None:
    """The published (or since taken down) note of the brand's contract with this code."""
    contract_id = db.session.scalar(
        select(Contract.id).where(
            Contract.brand_id == brand_id, Contract.promo_code == code.strip().upper()
        )
    )
    if contract_id is None:
        return None
    from app.notes.models import NoteStatus

    return db.session.scalar(
        select(Note).where(
            Note.contract_id == contract_id,
            Note.status.in_([NoteStatus.PUBLISHED, NoteStatus.TAKEN_DOWN]),
        )
    )


# ---- reading settlements -------------------------------------------------------------------


def readable_contract(*, contract_id: int, user: User) -> Contract:
    """The contract for its brand, its KOL, finance and admins; 404 for anyone else."""
    contract = db.session.get(Contract, contract_id)
    staff = user.role in (Role.ADMIN, Role.FINANCE)
    if contract is None or not (staff or user.id in (contract.brand_id, contract.kol_id)):
        raise NotFound(_("No such contract."))
    return contract


def settlements_of(contract_id: int) -> list[Settlement]:
    return list(
        db.session.scalars(
            select(Settlement)
            .where(Settlement.contract_id == contract_id)
            .order_by(Settlement.seq.desc())
        )
    )


def outcome_progress(campaign_id: int) -> list[tuple[Contract, Settlement | None]]:
    """The campaign's contracts with outcome terms and each one's latest settlement (bonus
    progress, earned so far), for the brand's dashboard. Two queries."""
    contracts = list(
        db.session.scalars(
            select(Contract)
            .where(Contract.campaign_id == campaign_id, Contract.outcome_cap > 0)
            .order_by(Contract.id)
        )
    )
    latest = {
        s.contract_id: s
        for s in db.session.scalars(
            select(Settlement)
            .where(Settlement.contract_id.in_([c.id for c in contracts]))
            .order_by(Settlement.contract_id, Settlement.seq)
        )
    }
    return [(contract, latest.get(contract.id)) for contract in contracts]


def reason_text(code: str) -> str:
    return str(REASON_TEXT.get(code, code))


# ---- the scheduled step --------------------------------------------------------------------


@in_app_context
def settle_outcomes() -> int:
    """Settle every contract that is due (weekly during its window, finally at its end), one
    transaction per contract; returns how many were settled."""
    settled = 0
    now = utcnow()
    for contract_id in due_contract_ids(now):
        try:
            settled += settle_contract(contract_id=contract_id, now=now) is not None
            db.session.commit()
        except Exception:  # one contract's problem never stops the others' settlements
            db.session.rollback()
            log.exception("outcome settlement of contract %s failed; retried next run", contract_id)
    run_inline_jobs()
    return settled
