"""Reliability: a 0–100 score per user, computed from what happened on the platform.

KOL components (each 0–1, weight):
  * on_time (0.4): funded contracts whose note was first submitted on or before the due date,
    among those submitted or past their due date;
  * answer (0.2): median hours to answer a brand's counter-offer — full marks within 12 hours,
    none at 120 hours or more, linear in between;
  * keep_live (0.2): approved contracts whose note was not taken down before the keep-live end;
  * no_disputes (0.2): 1 − share of funded contracts that went to a dispute.
Brand components:
  * answer (0.4): median hours to answer a KOL's bid or counter (same 12 h / 120 h scale);
  * review (0.4): submissions the brand reviewed itself within the review window (silence that
    auto-approved counts as late);
  * no_disputes (0.2): as for KOLs.
score = 100 × Σ weight × component / Σ weight, over the components with data; a user with no
history has no score yet (shown as "New"). An offer counts as answered at the other side's next
offer or when the bid closes (accepted, rejected, withdrawn by the answering side, expired).
``reliability_for(user_ids)`` runs five queries whatever the number of users.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import and_, or_, select

from app.auth.models import Role, User
from app.bids.models import Bid, BidStatus, Offer
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note
from app.status import StatusChange

FAST_HOURS, SLOW_HOURS = 12.0, 120.0
KOL_WEIGHTS = {"on_time": 0.4, "answer": 0.2, "keep_live": 0.2, "no_disputes": 0.2}
BRAND_WEIGHTS = {"answer": 0.4, "review": 0.4, "no_disputes": 0.2}


@dataclass
class Reliability:
    user_id: int
    role: str
    score: int | None = None
    components: dict[str, float | None] = field(default_factory=dict)
    median_answer_hours: float | None = None
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name → (good, total)

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "components": self.components,
            "median_answer_hours": self.median_answer_hours,
        }


def answer_component(median_hours: float | None) -> float | None:
    if median_hours is None:
        return None
    if median_hours <= FAST_HOURS:
        return 1.0
    return max(0.0, (SLOW_HOURS - median_hours) / (SLOW_HOURS - FAST_HOURS))


def reliability_for(user_ids, now: datetime | None = None) -> dict[int, Reliability]:
    """The reliability of each brand or KOL among ``user_ids`` (five queries in all)."""
    ids = list({int(i) for i in user_ids})
    if not ids:
        return {}
    now = now or utcnow()
    roles = dict(db.session.execute(select(User.id, User.role).where(User.id.in_(ids))).all())
    contracts = _contracts(ids)
    changes = _contract_changes(ids)
    takedowns = _takedowns(ids)
    answers = _answer_hours(ids)
    result = {}
    for user_id in ids:
        role = roles.get(user_id)
        if role not in (Role.KOL, Role.BRAND):
            continue
        mine = [c for c in contracts if user_id in (c.kol_id, c.brand_id)]
        side = "kol" if role == Role.KOL else "brand"
        counts = {"no_disputes": _disputes(mine, changes)}
        if side == "kol":
            counts["on_time"] = _on_time(mine, changes, now)
            counts["keep_live"] = _keep_live(mine, takedowns)
        else:
            counts["review"] = _reviews(mine, changes, now)
        hours = answers[side].get(user_id, [])
        median_hours = round(median(hours), 1) if hours else None
        components = {k: (good / total if total else None) for k, (good, total) in counts.items()}
        components["answer"] = answer_component(median_hours)
        weights = KOL_WEIGHTS if side == "kol" else BRAND_WEIGHTS
        result[user_id] = Reliability(
            user_id=user_id,
            role=side,
            score=_score(components, weights),
            components={k: _round(components.get(k)) for k in weights},
            median_answer_hours=median_hours,
            counts=counts,
        )
    return result


def _score(components: dict, weights: dict) -> int | None:
    known = {k: w for k, w in weights.items() if components.get(k) is not None}
    if not known:
        return None
    total = sum(w * components[k] for k, w in known.items()) / sum(known.values())
    return round(100 * total)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _contracts(ids):
    stmt = select(
        Contract.id,
        Contract.kol_id,
        Contract.brand_id,
        Contract.due_date,
        Contract.review_window_days,
        Contract.funded_at,
        Contract.keep_live_until,
    ).where(or_(Contract.kol_id.in_(ids), Contract.brand_id.in_(ids)))
    return db.session.execute(stmt).all()


def _contract_changes(ids) -> dict[int, list]:
    stmt = (
        select(
            StatusChange.entity_id,
            StatusChange.from_status,
            StatusChange.to_status,
            StatusChange.actor_id,
            StatusChange.created_at,
        )
        .join(
            Contract,
            and_(StatusChange.entity == "contract", StatusChange.entity_id == Contract.id),
        )
        .where(or_(Contract.kol_id.in_(ids), Contract.brand_id.in_(ids)))
        .order_by(StatusChange.id)
    )
    changes = defaultdict(list)
    for row in db.session.execute(stmt):
        changes[row.entity_id].append(row)
    return changes


def _takedowns(ids) -> dict[int, list[datetime]]:
    stmt = (
        select(Note.contract_id, StatusChange.created_at)
        .join(StatusChange, and_(StatusChange.entity == "note", StatusChange.entity_id == Note.id))
        .where(Note.kol_id.in_(ids), StatusChange.to_status == "taken_down")
    )
    takedowns = defaultdict(list)
    for contract_id, at in db.session.execute(stmt):
        takedowns[contract_id].append(at)
    return takedowns


def _answer_hours(ids) -> dict[str, dict[int, list[float]]]:
    """Hours each side took to answer the other's offers, per user."""
    stmt = (
        select(
            Offer.bid_id,
            Offer.by_role,
            Offer.created_at,
            Bid.kol_id,
            Bid.status,
            Bid.decided_at,
            Campaign.brand_id,
        )
        .join(Bid, Bid.id == Offer.bid_id)
        .join(Campaign, Campaign.id == Bid.campaign_id)
        .where(or_(Bid.kol_id.in_(ids), Campaign.brand_id.in_(ids)))
        .order_by(Offer.bid_id, Offer.id)
    )
    by_bid = defaultdict(list)
    for row in db.session.execute(stmt):
        by_bid[row.bid_id].append(row)
    hours = {"kol": defaultdict(list), "brand": defaultdict(list)}
    for offers in by_bid.values():
        for offer, following in zip(offers, [*offers[1:], None], strict=True):
            answerer = "brand" if offer.by_role == "kol" else "kol"
            answered_at = _answered_at(offer, following, answerer)
            if answered_at is not None:
                who = offer.brand_id if answerer == "brand" else offer.kol_id
                delta = (answered_at - offer.created_at).total_seconds() / 3600
                hours[answerer][who].append(max(delta, 0.0))
    return hours


def _answered_at(offer, following, answerer: str) -> datetime | None:
    if following is not None:
        return following.created_at if following.by_role == answerer else None
    if offer.decided_at is None:
        return None  # still waiting: not counted until answered or expired
    if offer.status == BidStatus.WITHDRAWN and answerer == "brand":
        return None  # the KOL withdrew their own offer before the brand answered
    return offer.decided_at


def _disputes(contracts, changes) -> tuple[int, int]:
    funded = [c for c in contracts if c.funded_at is not None]
    disputed = sum(
        1 for c in funded if any(ch.to_status == "disputed" for ch in changes.get(c.id, []))
    )
    return len(funded) - disputed, len(funded)


def _on_time(contracts, changes, now: datetime) -> tuple[int, int]:
    good = total = 0
    for c in contracts:
        if c.funded_at is None:
            continue
        submissions = [ch.created_at for ch in changes.get(c.id, []) if ch.to_status == "in_review"]
        if submissions:
            total += 1
            good += submissions[0].date() <= c.due_date
        elif now.date() > c.due_date:
            total += 1
    return good, total


def _keep_live(contracts, takedowns) -> tuple[int, int]:
    approved = [c for c in contracts if c.keep_live_until is not None]
    breached = sum(
        1 for c in approved if any(at < c.keep_live_until for at in takedowns.get(c.id, []))
    )
    return len(approved) - breached, len(approved)


def _reviews(contracts, changes, now: datetime) -> tuple[int, int]:
    good = total = 0
    for c in contracts:
        rows = changes.get(c.id, [])
        window = timedelta(days=c.review_window_days)
        for i, change in enumerate(rows):
            if change.to_status != "in_review":
                continue
            answer = next((r for r in rows[i + 1 :] if r.from_status == "in_review"), None)
            if answer is None:
                total += now > change.created_at + window
                continue
            total += 1
            in_time = answer.created_at <= change.created_at + window
            good += bool(in_time and answer.actor_id == c.brand_id)
    return good, total
