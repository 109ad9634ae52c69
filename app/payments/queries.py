"""Read models for the money pages: what a brand paid, what a KOL earns."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from app.contracts.models import PRE_RELEASE, Contract, ContractStatus
from app.extensions import db
from app.ledger.services import contract_balances
from app.notes.models import Note, NoteStatus
from app.payments import release
from app.payments.models import Funding, PaymentFailure, Payout, PayoutStatus, Refund

TRANSFERRED = (PayoutStatus.PAID, PayoutStatus.REVERSED)


@dataclass
class ContractMoney:
    contract: Contract
    paid: int = 0
    held: int = 0
    refunded: int = 0
    refunding: int = 0
    payouts: list[Payout] = field(default_factory=list)
    funding: Funding | None = None
    note_live: bool = False  # the note is published now

    @property
    def returns_to_brand(self) -> bool:
        """After the first release the rest goes to the KOL only if the note stays live
        (approvals.release_after_keep_live); once it is down or breached, it goes back."""
        c = self.contract
        return c.status == ContractStatus.RELEASED and (
            not self.note_live or c.keep_live_breached_at is not None
        )

    @property
    def held_for_kol(self) -> int:
        """What of the held money will reach the KOL, net of the KOL fee (the held balance
        also carries the brand fee and our KOL fee); nothing once it is going back."""
        c, held = self.contract, self.held
        if held <= 0 or self.returns_to_brand:
            return 0
        if c.status == ContractStatus.RELEASED:
            price_part, _brand_part, kol_part = release.stage_amounts(c, "keep_live")
            return min(held, price_part - kol_part)
        if c.status in PRE_RELEASE:  # less what approved deliverables already released
            return min(held, c.price - c.kol_fee - self.released)
        # Disputed or frozen: the KOL's share of what is left, at the contract's proportions
        # (brand_total: an outcome cap's reserve is held too, and is not the KOL's yet).
        return held * (c.price - c.kol_fee) // c.brand_total

    @property
    def released(self) -> int:
        return sum(p.amount for p in self.payouts)

    @property
    def paid_out(self) -> int:
        """What the KOL's account received and kept (reversals taken back out)."""
        return sum(p.amount - p.amount_reversed for p in self.payouts if p.status in TRANSFERRED)

    @property
    def reversed(self) -> int:
        return sum(p.amount_reversed for p in self.payouts)


def money_for_contracts(contracts: list[Contract]) -> list[ContractMoney]:
    """Paid, held, refunded and payouts per contract in a constant number of queries."""
    ids = [c.id for c in contracts]
    if not ids:
        return []
    balances = contract_balances(ids)
    fundings = {
        f.contract_id: f
        for f in db.session.scalars(
            select(Funding).where(Funding.contract_id.in_(ids), Funding.status == "paid")
        )
    }
    payouts: dict[int, list[Payout]] = defaultdict(list)
    for payout in db.session.scalars(
        select(Payout).where(Payout.contract_id.in_(ids)).order_by(Payout.id)
    ):
        payouts[payout.contract_id].append(payout)
    refunds: dict[int, list[Refund]] = defaultdict(list)
    for refund in db.session.scalars(select(Refund).where(Refund.contract_id.in_(ids))):
        refunds[refund.contract_id].append(refund)
    live = set(
        db.session.scalars(
            select(Note.contract_id).where(
                Note.contract_id.in_(ids), Note.status == NoteStatus.PUBLISHED
            )
        )
    )
    rows = []
    for contract in contracts:
        funding = fundings.get(contract.id)
        rows.append(
            ContractMoney(
                contract=contract,
                funding=funding,
                paid=funding.amount if funding else 0,
                held=balances[contract.id]["held"],
                payouts=payouts[contract.id],
                refunded=sum(r.amount for r in refunds[contract.id] if r.status == "succeeded"),
                refunding=sum(r.amount for r in refunds[contract.id] if r.status != "succeeded"),
                note_live=contract.id in live,
            )
        )
    return rows


def contracts_of(*, brand_id: int | None = None, kol_id: int | None = None) -> list[Contract]:
    stmt = select(Contract).order_by(Contract.id.desc()).limit(200)
    if brand_id is not None:
        stmt = stmt.where(Contract.brand_id == brand_id)
    if kol_id is not None:
        stmt = stmt.where(Contract.kol_id == kol_id)
    return list(db.session.scalars(stmt))


def totals(rows: list[ContractMoney]) -> dict[str, dict[str, int]]:
    """Per currency: paid, held, released, paid out, refunded, fees."""
    result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        bucket = result[row.contract.currency]
        bucket["paid"] += row.paid
        bucket["held"] += row.held
        bucket["held_for_kol"] += row.held_for_kol
        bucket["released"] += row.released
        bucket["paid_out"] += row.paid_out
        bucket["refunded"] += row.refunded
        if row.paid:
            bucket["brand_fees"] += row.contract.brand_fee
    return result


def next_release(row: ContractMoney):
    """When the KOL's next money is due, in words the page can show."""
    contract = row.contract
    if row.returns_to_brand:
        return None
    if contract.status == ContractStatus.RELEASED and contract.keep_live_until:
        return contract.keep_live_until
    if contract.status == ContractStatus.IN_REVIEW and contract.review_due_at:
        return contract.review_due_at
    return None


@dataclass
class CampaignMoney:
    campaign_id: int
    title: str
    currency: str
    contracts: int = 0
    paid: int = 0
    held: int = 0
    released: int = 0
    refunded: int = 0


def by_campaign(rows: list[ContractMoney]) -> list[CampaignMoney]:
    """The brand's money per campaign (one query for the titles)."""
    from app.campaigns.models import Campaign

    ids = {row.contract.campaign_id for row in rows}
    titles = (
        dict(
            db.session.execute(
                select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    result: dict[int, CampaignMoney] = {}
    for row in rows:
        c = row.contract
        item = result.setdefault(
            c.campaign_id, CampaignMoney(c.campaign_id, titles.get(c.campaign_id, ""), c.currency)
        )
        item.contracts += 1
        item.paid += row.paid
        item.held += row.held
        item.released += row.released
        item.refunded += row.refunded
    return sorted(result.values(), key=lambda item: -item.campaign_id)


def month_bounds(text: str | None):
    """'2026-11' → (start, end) UTC datetimes of that month; None when the text is bad."""
    from datetime import UTC, datetime

    try:
        year, month = (int(part) for part in (text or "").split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        return None
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def statement(*, kol_id: int, start, end) -> tuple[list[Payout], dict[str, int]]:
    """A KOL's payouts paid within [start, end), and what they kept per currency."""
    payouts = list(
        db.session.scalars(
            select(Payout)
            .where(
                Payout.kol_id == kol_id,
                Payout.status.in_(TRANSFERRED),
                Payout.paid_at >= start,
                Payout.paid_at < end,
            )
            .order_by(Payout.paid_at)
        )
    )
    totals: dict[str, int] = defaultdict(int)
    for payout in payouts:
        totals[payout.currency] += payout.amount - payout.amount_reversed
    return payouts, dict(totals)


def payment_failures(contract_id: int, limit: int = 5) -> list[PaymentFailure]:
    """The latest declined or failed payments for a contract, newest first."""
    return list(
        db.session.scalars(
            select(PaymentFailure)
            .where(PaymentFailure.contract_id == contract_id)
            .order_by(PaymentFailure.id.desc())
            .limit(limit)
        )
    )
