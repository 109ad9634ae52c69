"""A contract's deliverables: built at acceptance, each with its own due date, review loop and
share of the price.

Every contract holds at least one. A contract written without any (before this table existed,
or by code that only knows single-note deals) gets its one deliverable when it is first
flushed, carrying its due date, price and status; a note written without a deliverable
delivers the contract's first. Release of a deliverable's share: app/payments/release.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.contracts.models import Contract, ContractStatus, Deliverable, DeliverableKind
from app.contracts.models import DeliverableStatus as D
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.status import move

MAX_DELIVERABLES = 10
S = ContractStatus
# The one deliverable of a contract written without any, from the contract's status.
STATUS_OF_CONTRACT = {
    S.IN_REVIEW: D.IN_REVIEW,
    S.CHANGES_REQUESTED: D.CHANGES_REQUESTED,
    S.APPROVED: D.APPROVED,
    S.RELEASED: D.APPROVED,
    S.COMPLETED: D.APPROVED,
}


def split_shares(price: int, count: int) -> list[int]:
    """``price`` in ``count`` equal shares (minor units); the remainder goes to the last one."""
    if count < 1:
        raise ValueError("a contract holds at least one deliverable")
    base = price // count
    return [base] * (count - 1) + [price - base * (count - 1)]


def fee_parts(fee: int, shares: Sequence[int]) -> list[int]:
    """A contract's fee split like its price: in proportion to the shares, the remainder last."""
    price = sum(shares)
    parts = [fee * share // price if price else 0 for share in shares[:-1]]
    return [*parts, fee - sum(parts)]


def parse_kinds(raw: str | Sequence[str] | None) -> list[str]:
    """'note, note, video' (or a list) → ['note', 'note', 'video']; raises ValueError."""
    words = raw.replace("，", ",").split(",") if isinstance(raw, str) else list(raw or [])
    kinds = [str(word).strip().lower() for word in words if str(word).strip()]
    if len(kinds) > MAX_DELIVERABLES or any(k not in set(DeliverableKind) for k in kinds):
        raise ValueError(kinds)
    return kinds


def clean_kinds(raw, errors: dict) -> str:
    """A campaign's plan as stored: "note, Video" (or a list) → "note,video"; a bad one adds
    its message to ``errors`` under ``deliverable_kinds``."""
    try:
        return ",".join(parse_kinds(raw))
    except ValueError:
        errors["deliverable_kinds"] = [
            _("List up to %(n)d deliverables, each “note” or “video”.", n=MAX_DELIVERABLES)
        ]
        return ""


def build_deliverables(
    contract: Contract, kinds: Sequence[str], due_dates: Sequence[date] = ()
) -> list[Deliverable]:
    """The deliverables of a new contract: its price split evenly, each due on its own date
    (the bid's, else the contract's due date)."""
    shares = split_shares(contract.price, len(kinds))
    return [
        Deliverable(
            contract=contract,
            position=position,
            kind=DeliverableKind(kind),
            due_date=due_dates[position - 1] if position <= len(due_dates) else contract.due_date,
            share=share,
            status=D.PENDING,
        )
        for position, (kind, share) in enumerate(zip(kinds, shares, strict=True), start=1)
    ]


def deliverables_of(contract_id: int) -> list[Deliverable]:
    """A contract's deliverables in order (one query)."""
    return list(
        db.session.scalars(
            select(Deliverable)
            .where(Deliverable.contract_id == contract_id)
            .order_by(Deliverable.position)
        )
    )


def deliverables_for(contract_ids) -> dict[int, list[Deliverable]]:
    """Deliverables of many contracts, by contract id (one query)."""
    ids = list({int(i) for i in contract_ids})
    found: dict[int, list[Deliverable]] = {i: [] for i in ids}
    if ids:
        rows = db.session.scalars(
            select(Deliverable)
            .where(Deliverable.contract_id.in_(ids))
            .order_by(Deliverable.contract_id, Deliverable.position)
        )
        for row in rows:
            found[row.contract_id].append(row)
    return found


def lock_deliverable(deliverable_id: int) -> Deliverable:
    """The deliverable re-read under a row lock (PostgreSQL): its status is current."""
    deliverable = db.session.scalar(
        select(Deliverable)
        .where(Deliverable.id == deliverable_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deliverable is None:
        raise NotFound(_("No such deliverable."))
    return deliverable


def deliverable_at(*, contract_id: int, position: int) -> Deliverable:
    """The contract's deliverable at ``position`` (1 is the first); 404 when there is none."""
    deliverable = db.session.scalar(
        select(Deliverable).where(
            Deliverable.contract_id == contract_id, Deliverable.position == position
        )
    )
    if deliverable is None:
        raise NotFound(_("No such deliverable."))
    return deliverable


def step(deliverable: Deliverable, to: D, *, by: int | None, reason: str | None = None) -> None:
    """Move a deliverable along its review loop (illegal moves raise, as for any status)."""
    move(deliverable, to, by=by, reason=reason)


def follow(deliverable: Deliverable, to: D, *, by: int | None, reason: str | None = None) -> None:
    """The one deliverable of a contract moved as a whole (the contract's own lifecycle steps):
    it follows the contract, recorded when the move is one of its own."""
    if deliverable.status == to:
        return
    if to in deliverable.TRANSITIONS.get(deliverable.status, ()):
        move(deliverable, to, by=by, reason=reason)
    else:
        deliverable.status = to


def mark_in_review(deliverable: Deliverable, *, now: datetime, window_days: int) -> None:
    deliverable.submitted_at = now
    deliverable.review_due_at = now + timedelta(days=window_days)


def check_due_dates(raw: Sequence, count: int, field: str = "deliverable_due_dates") -> list[date]:
    """Dates for the deliverables in order (ISO strings or dates); at most one per deliverable."""
    dates: list[date] = []
    for value in raw or []:
        try:
            dates.append(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise ValidationFailed({field: [_("Enter dates as YYYY-MM-DD.")]}) from None
    if len(dates) > count:
        raise ValidationFailed(
            {field: [_("Give at most one date per deliverable (%(n)d).", n=count)]}
        )
    return dates


# ---- contracts and notes written without a deliverable ----------------------------------


@event.listens_for(Session, "before_flush")
def _give_every_contract_a_deliverable(session: Session, _context, _instances) -> None:
    from app.notes.models import Note

    new = list(session.new)
    planned = {id(d.contract) for d in new if isinstance(d, Deliverable) and d.contract}
    with session.no_autoflush:
        for obj in new:
            if isinstance(obj, Contract) and id(obj) not in planned:
                session.add(_default_deliverable(session, obj))
        for obj in new:
            if isinstance(obj, Note) and obj.deliverable_id is None:
                _link_first_deliverable(session, obj)


def _default_deliverable(session: Session, contract: Contract) -> Deliverable:
    campaign = session.get(Campaign, contract.campaign_id) if contract.campaign_id else None
    kind = campaign.deliverable_plan[0] if campaign is not None else DeliverableKind.NOTE
    return Deliverable(
        contract=contract,
        position=1,
        kind=DeliverableKind(kind),
        due_date=contract.due_date,
        share=contract.price,
        status=STATUS_OF_CONTRACT.get(contract.status, D.PENDING),
    )


def _link_first_deliverable(session: Session, note) -> None:
    note.deliverable_id = session.scalar(
        select(Deliverable.id).where(
            Deliverable.contract_id == note.contract_id, Deliverable.position == 1
        )
    )
