"""The KOL's workbench: invitations to answer, counter-offers waiting, notes due with their
dates, money on the way (what will really arrive, net of the KOL fee, and when), a "fits
you" shortlist of open campaigns not yet bid on, and the latest notifications. Ten
statements at most with the layout's own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select

from app.bids.models import Bid
from app.campaigns.models import Campaign, Invitation
from app.campaigns.queries import fits_for, kol_for_fit
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.models import HELD, LedgerAccount, LedgerLine
from app.notes.models import Note, NoteStatus
from app.notifications.models import Notification
from app.payments.models import Payout, PayoutStatus
from app.payments.queries import ContractMoney, next_release
from app.profiles.models import KolProfile
from app.workbench.brand import latest_notifications
from app.workbench.counts import NOTE_OWED, invitations_waiting, kol_counters_waiting

FITS_SHOWN = 5
# Contracts whose money is still to come (or, disputed/frozen, may still come).
MONEY_PENDING = (
    ContractStatus.FUNDED, ContractStatus.IN_REVIEW, ContractStatus.CHANGES_REQUESTED,
    ContractStatus.APPROVED, ContractStatus.RELEASED, ContractStatus.DISPUTED,
    ContractStatus.FROZEN,
)  # fmt: skip
# Released to the KOL, not yet in their account.
PAYOUT_ON_THE_WAY = (
    PayoutStatus.WAITING_ONBOARDING, PayoutStatus.STAGED, PayoutStatus.PROCESSING,
    PayoutStatus.ON_HOLD,
)  # fmt: skip


@dataclass
class Incoming:
    """One sum on its way to the KOL: the contract it is for, how much and when."""

    contract_id: int
    campaign: str
    amount: int
    currency: str
    when: datetime | None  # the expected date, when one is known
    stage: str  # held | review | approved | keep_live | dispute | payout:<status>


@dataclass
class KolDesk:
    invitations: list = field(default_factory=list)
    counters: list = field(default_factory=list)
    notes_due: list = field(default_factory=list)
    incoming: list[Incoming] = field(default_factory=list)
    fits: list[Campaign] = field(default_factory=list)
    activity: list[Notification] = field(default_factory=list)
    profile: KolProfile | None = None

    @property
    def nothing_waiting(self) -> bool:
        return not (self.invitations or self.counters or self.notes_due)

    @property
    def incoming_totals(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for item in self.incoming:
            totals[item.currency] += item.amount
        return dict(sorted(totals.items()))

    def nav_counts(self) -> dict[str, int]:
        return {
            "campaigns.invitations": len(self.invitations),
            "bids.index": len(self.counters),
            "notes.mine": len(self.notes_due),
        }


def _invitations(kol_id: int) -> list:
    return db.session.execute(
        select(Invitation.id, Invitation.seen_at, Campaign.id.label("campaign_id"), Campaign.title,
               Campaign.application_deadline.label("deadline"), Campaign.price_min,
               Campaign.price_max, Campaign.currency)
        .select_from(Invitation)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .where(invitations_waiting(kol_id))
        .order_by(Campaign.application_deadline, Invitation.id)
        .limit(100)
    ).all()  # fmt: skip


def _counters(kol_id: int) -> list:
    return db.session.execute(
        select(Bid.id, Bid.price, Bid.currency, Bid.updated_at, Campaign.title,
               Campaign.application_deadline.label("deadline"))
        .join(Campaign, Campaign.id == Bid.campaign_id)
        .where(kol_counters_waiting(kol_id))
        .order_by(Campaign.application_deadline, Bid.id)
        .limit(100)
    ).all()  # fmt: skip


def _contracts(kol_id: int) -> list:
    """The KOL's contracts with money still to come, with the money held for each (the rule
    of ledger.services.contract_balances, read in the same statement) and whether the note
    is live now."""
    live = exists().where(Note.contract_id == Contract.id, Note.status == NoteStatus.PUBLISHED)
    held = (
        select(func.coalesce(func.sum(LedgerLine.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerAccount.contract_id == Contract.id, LedgerAccount.kind == HELD)
        .scalar_subquery()
    )
    return db.session.execute(
        select(Contract, Campaign.title, live.label("live"), (-held).label("held"))
        .join(Campaign, Campaign.id == Contract.campaign_id)
        .where(Contract.kol_id == kol_id, Contract.status.in_(MONEY_PENDING))
        .order_by(Contract.due_date, Contract.id)
        .limit(200)
    ).all()


def _stage(contract: Contract) -> str:
    if contract.status == ContractStatus.RELEASED:
        return "keep_live"
    if contract.status in (ContractStatus.DISPUTED, ContractStatus.FROZEN):
        return "dispute"
    if contract.status == ContractStatus.IN_REVIEW:
        return "review"
    if contract.status == ContractStatus.APPROVED:
        return "approved"
    return "held"


def _incoming(contracts: list, kol_id: int) -> list[Incoming]:
    """What of the held money will reach the KOL (``ContractMoney.held_for_kol``: net of the
    KOL fee, nothing once it goes back to the brand) and released payouts not yet paid."""
    items = []
    for contract, title, live, held in contracts:
        money = ContractMoney(contract=contract, held=int(held or 0), note_live=bool(live))
        if money.held_for_kol > 0:
            items.append(
                Incoming(contract.id, title, money.held_for_kol, contract.currency,
                         next_release(money), _stage(contract))
            )  # fmt: skip
    payouts = db.session.execute(
        select(Payout, Campaign.title)
        .join(Contract, Contract.id == Payout.contract_id)
        .join(Campaign, Campaign.id == Contract.campaign_id)
        .where(Payout.kol_id == kol_id, Payout.status.in_(PAYOUT_ON_THE_WAY))
        .order_by(Payout.id)
    ).all()
    for payout, title in payouts:
        items.append(
            Incoming(payout.contract_id, title, payout.amount - payout.amount_reversed,
                     payout.currency, None, f"payout:{payout.status.value}")
        )  # fmt: skip
    return items


def kol_desk(kol_id: int) -> KolDesk:
    """Everything on the KOL's workbench."""
    desk = KolDesk()
    desk.invitations = _invitations(kol_id)
    desk.counters = _counters(kol_id)
    contracts = _contracts(kol_id)
    desk.notes_due = [(c, t) for c, t, _l, _h in contracts if c.status in NOTE_OWED]
    desk.incoming = _incoming(contracts, kol_id)
    desk.profile = kol_for_fit(kol_id)
    desk.fits = fits_for(desk.profile, FITS_SHOWN) if desk.profile else []
    desk.activity = latest_notifications(kol_id)
    return desk
