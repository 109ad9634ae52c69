"""The brand's workbench: what waits for the brand (bids to answer, notes to review, contracts
to fund, each with its deadline), headline figures of its running campaigns with a sparkline
each, and its latest notifications. Nine statements at most, whatever the volume."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import lazyload

from app.analytics.models import HourlyRollup
from app.analytics.spend import spend_columns, spend_of
from app.analytics.store.dashboard import campaign_traffic
from app.bids.models import Bid
from app.campaigns.models import Campaign, CampaignStatus
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.finance.figures import utc_day
from app.notes.models import Note
from app.notifications.models import Notification
from app.profiles.models import KolProfile
from app.workbench.counts import brand_bids_waiting
from app.workbench.sparkline import Sparkline, sparkline

SHOWN = 8  # items listed per waiting list (the count says how many there are in all)
RUNNING = (CampaignStatus.OPEN, CampaignStatus.CLOSED)
CAMPAIGNS_SHOWN = 6
DAYS = 30
ACTIVITY = 6
WAITING_CONTRACTS = (ContractStatus.AWAITING_FUNDING, ContractStatus.IN_REVIEW)
FIGURES = ("views", "clicks", "conversions")


@dataclass
class CampaignFigures:
    campaign: Campaign
    spend: int = 0
    views: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue: int = 0
    daily: dict[str, list[int]] = field(default_factory=dict)

    @property
    def roas(self) -> float | None:
        return round(self.revenue / self.spend, 2) if self.spend else None

    @property
    def charts(self) -> dict[str, Sparkline]:
        return {name: sparkline(self.daily.get(name, [])) for name in FIGURES}


@dataclass
class BrandDesk:
    bids: list = field(default_factory=list)
    bids_total: int = 0
    to_review: list = field(default_factory=list)
    to_fund: list = field(default_factory=list)
    campaigns: list[CampaignFigures] = field(default_factory=list)
    activity: list[Notification] = field(default_factory=list)
    days: int = DAYS

    @property
    def nothing_waiting(self) -> bool:
        return not (self.bids or self.to_review or self.to_fund)

    def nav_counts(self) -> dict[str, int]:
        return {
            "bids.index": self.bids_total,
            "contracts.index": len(self.to_fund),
            "notes.brand_list": len(self.to_review),
        }


def _bids(brand_id: int) -> tuple[list, int]:
    """The bids the brand must answer, the soonest to expire first, and how many in all."""
    rows = db.session.execute(
        select(Bid.id, Bid.price, Bid.currency, Bid.status, Bid.updated_at, Campaign.title,
               Campaign.application_deadline.label("deadline"), KolProfile.display_name,
               func.count().over().label("total"))
        .join(Campaign, Campaign.id == Bid.campaign_id)
        .outerjoin(KolProfile, KolProfile.user_id == Bid.kol_id)
        .where(brand_bids_waiting(brand_id))
        .order_by(Campaign.application_deadline, Bid.id)
        .limit(SHOWN)
    ).all()  # fmt: skip
    return rows, (rows[0].total if rows else 0)


def _contracts(brand_id: int) -> list:
    """Contracts waiting for the brand: notes to review and deals to fund, soonest due first."""
    due = case(
        (Contract.status == ContractStatus.IN_REVIEW, Contract.review_due_at),
        else_=Contract.funding_deadline,
    )
    return db.session.execute(
        select(Contract.id, Contract.status, Contract.price, Contract.brand_fee, Contract.currency,
               due.label("due"), Campaign.title, KolProfile.display_name,
               Note.id.label("note_id"), Note.title.label("note_title"))
        .join(Campaign, Campaign.id == Contract.campaign_id)
        .outerjoin(KolProfile, KolProfile.user_id == Contract.kol_id)
        .outerjoin(Note, Note.contract_id == Contract.id)
        .where(Contract.brand_id == brand_id, Contract.status.in_(WAITING_CONTRACTS))
        .order_by(due.is_(None), due, Contract.id)
        .limit(500)
    ).all()  # fmt: skip


def _days(today: date) -> list[str]:
    return [(today - timedelta(days=DAYS - 1 - i)).isoformat() for i in range(DAYS)]


def _traffic(rows: dict[int, CampaignFigures], today: date) -> None:
    """Lifetime totals and the last DAYS days per campaign, in one grouped read of the hourly
    rollups: hours before the window fold into one "earlier" bucket."""
    since = datetime.combine(today - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    bucket = case((HourlyRollup.hour >= since, utc_day(HourlyRollup.hour)), else_=literal("-"))
    result = db.session.execute(
        select(HourlyRollup.campaign_id, bucket.label("day"),
               *(func.coalesce(func.sum(getattr(HourlyRollup, n)), 0) for n in (*FIGURES, "revenue")))
        .where(HourlyRollup.campaign_id.in_(list(rows)))
        .group_by(HourlyRollup.campaign_id, bucket)
    ).all()  # fmt: skip
    index = {day: i for i, day in enumerate(_days(today))}
    for campaign_id, day, views, clicks, conversions, revenue in result:
        row = rows[campaign_id]
        row.views += int(views)
        row.clicks += int(clicks)
        row.conversions += int(conversions)
        row.revenue += int(revenue)
        if day in index:
            for name, value in zip(FIGURES, (views, clicks, conversions), strict=True):
                row.daily.setdefault(name, [0] * DAYS)[index[day]] += int(value)
    traffic = campaign_traffic(list(rows), None, today)  # ANALYTICS_STORE's, unless SQL
    if traffic is None:
        return
    for campaign_id, row in rows.items():  # conversions and revenue stay the database's
        days = traffic.get(campaign_id, {})
        row.views = sum(counts["views"] for counts in days.values())
        row.clicks = sum(counts["clicks"] for counts in days.values())
        for name in ("views", "clicks"):
            row.daily[name] = [days.get(date.fromisoformat(d), {}).get(name, 0) for d in index]


def _spend(rows: dict[int, CampaignFigures]) -> None:
    """What the brand paid per campaign, by the analytics rule (``spend_columns``), in one
    query."""
    paid, refunded, commission = spend_columns()
    contracts = db.session.execute(
        select(Contract.campaign_id, paid, refunded, commission).where(
            Contract.campaign_id.in_(list(rows)), Contract.funded_at.is_not(None)
        )
    ).all()
    for campaign_id, *money in contracts:
        rows[campaign_id].spend += spend_of(*money)


def _campaigns(brand_id: int) -> list[CampaignFigures]:
    campaigns = db.session.scalars(
        select(Campaign)
        .options(lazyload(Campaign.targets))
        .where(Campaign.brand_id == brand_id, Campaign.status.in_(RUNNING))
        .order_by(Campaign.id.desc())
        .limit(CAMPAIGNS_SHOWN)
    ).all()
    rows = {c.id: CampaignFigures(c) for c in campaigns}
    if rows:
        _traffic(rows, datetime.now(UTC).date())
        _spend(rows)
    return list(rows.values())


def latest_notifications(user_id: int, limit: int = ACTIVITY) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def brand_desk(brand_id: int) -> BrandDesk:
    """Everything on the brand's workbench."""
    desk = BrandDesk()
    desk.bids, desk.bids_total = _bids(brand_id)
    by_status = defaultdict(list)
    for row in _contracts(brand_id):
        by_status[row.status].append(row)
    desk.to_review = by_status[ContractStatus.IN_REVIEW]
    desk.to_fund = by_status[ContractStatus.AWAITING_FUNDING]
    desk.campaigns = _campaigns(brand_id)
    desk.activity = latest_notifications(brand_id)
    return desk
