"""Raw tracking events, conversions, visitor-days (unique visitors and the dedupe window) and the
hourly rollups dashboards read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db

# Visitors and event ids are opaque keys compared only for equality: on PostgreSQL byte order
# (COLLATE "C"), so their B-tree inserts and probes compare bytes instead of calling the
# database's locale (migration 0011). SQLite compares bytes already.
OpaqueKey = String(64).with_variant(String(64, collation="C"), "postgresql")


class TrackingEvent(db.Model):
    """One view or click hit as received (bots and repeats included, flagged), kept for the
    retention period. On PostgreSQL partitioned by month of ``occurred_at`` (migration 0032,
    app/analytics/partitions.py): its key is (event_id, occurred_at), as a partitioned table's
    unique keys must hold the partition column; ``EventId`` keeps a replay a no-op even when
    it arrives with another time (another partition)."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_note_time", "note_id", "occurred_at"),
        Index("ix_analytics_events_time", "occurred_at"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    event_id: Mapped[str] = mapped_column(OpaqueKey, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # view | click
    note_id: Mapped[int] = mapped_column(BigInteger)
    contract_id: Mapped[int] = mapped_column(BigInteger)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    visitor: Mapped[str] = mapped_column(OpaqueKey)  # a cookie id or a salted hash, never an IP
    # The signed-in user behind the hit, if any: a conversion attributed to this click marks
    # that user's save of the note as bought.
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # False: a repeat within 30 min
    new_visitor_today: Mapped[bool] = mapped_column(Boolean, default=False)
    # The visitor's first counted view of any of the campaign's notes that day.
    new_campaign_visitor_today: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The visitor's first counted view of any of the KOL's notes that day.
    new_kol_visitor_today: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class EventId(db.Model):
    """A client event id stored already: the writer's dedupe key, one per event whatever its
    time or partition, kept ``ANALYTICS_EVENT_ID_DAYS`` after it arrived (``flask analytics
    prune``): a replay within that time is a no-op. BRIN on ``stored_at``: rows arrive in time
    order, so the daily prune finds the old ones for the cost of a few pages of index."""

    __tablename__ = "analytics_event_ids"
    __table_args__ = (
        Index("ix_analytics_event_ids_stored_at", "stored_at", postgresql_using="brin"),
    )

    event_id: Mapped[str] = mapped_column(OpaqueKey, primary_key=True)
    stored_at: Mapped[datetime] = mapped_column(TZDateTime())


class Conversion(db.Model):
    """An order reported for a brand; attributed to a note or stored unattributed."""

    __tablename__ = "analytics_conversions"
    __table_args__ = (
        UniqueConstraint("brand_id", "order_id", name="uq_analytics_conversions_order"),
        Index("ix_analytics_conversions_campaign_time", "campaign_id", "occurred_at"),
        Index("ix_analytics_conversions_brand_time", "brand_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[int] = mapped_column(BigInteger)  # minor units
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime())
    click_id: Mapped[str | None] = mapped_column(String(64))
    promo_code: Mapped[str | None] = mapped_column(String(32))
    note_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    attributed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(40), default="")  # why unattributed
    # Reported by the brand's server (its API key): only these count (conversions, revenue,
    # money). An order from the public order-page snippet waits unconfirmed until the brand's
    # key reports the same order id.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    # The brand reversed the order (returned or refunded) through the API: it never earns
    # commission from then on (app/outcomes/settlement.py).
    reversed_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class VisitorDay(db.Model):
    """A visitor seen on a note on a day, with the note's campaign and KOL: unique visitors per
    day per note, and, from the visitor's rows of the day, per campaign and per KOL (a visitor
    reading two of a campaign's or a KOL's notes counts once). One row per visitor-day-note:
    the writer's one probe per view reads all of a visitor's day (the key starts with it) and
    its one insert serves all three counts (migration 0011 merged three tables).

    ``counted_at`` is the visitor's last counted view of the note that day: the dedupe window
    (30 minutes) reaches at most into the day before or after, so a view's last counted view is
    in the rows of those days, read by the same probe (migration 0012 folded the separate
    per-note marks in here). NULL only on rows stored before that migration with no counted
    view left inside a window of now."""

    __tablename__ = "analytics_visitor_days"
    # A campaign's distinct visitors over a period (its dashboard, the stats API) read from this
    # index alone; without it every dashboard build scanned all the visitor-days kept (migration
    # 0035: 170 ms at 1M events of 50 campaigns, growing with the table).
    __table_args__ = (Index("ix_analytics_visitor_days_campaign", "campaign_id", "day", "visitor"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(OpaqueKey, primary_key=True)
    note_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    kol_id: Mapped[int] = mapped_column(BigInteger)
    counted_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class MediaKitLink(db.Model):
    """A named, revocable share link to a KOL's media kit. The token is a read-only link the
    KOL hands out (not a credential), so it is stored as is and can be copied again."""

    __tablename__ = "analytics_media_kit_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    last_viewed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class HourlyRollup(db.Model):
    """Counts per note per hour; the only table dashboards read for traffic."""

    __tablename__ = "analytics_hourly"
    __table_args__ = (
        UniqueConstraint("note_id", "hour", name="uq_analytics_hourly_note_hour"),
        Index("ix_analytics_hourly_campaign_hour", "campaign_id", "hour"),
        Index("ix_analytics_hourly_contract_hour", "contract_id", "hour"),
        Index("ix_analytics_hourly_kol_hour", "kol_id", "hour"),
        # Room for counter updates on the same page (HOT): migration 0009.
        {"postgresql_with": {"fillfactor": 70}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hour: Mapped[datetime] = mapped_column(TZDateTime())
    note_id: Mapped[int] = mapped_column(BigInteger)
    contract_id: Mapped[int] = mapped_column(BigInteger)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    kol_id: Mapped[int] = mapped_column(BigInteger)
    views: Mapped[int] = mapped_column(Integer, default=0)
    uniques: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    bot_views: Mapped[int] = mapped_column(Integer, default=0)
    bot_clicks: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)  # campaign currency, minor
    # Visitors new to the campaign that day (summed over the campaign's notes: distinct).
    campaign_uniques: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Visitors new to the KOL that day (summed over the KOL's notes: distinct), migration 0010.
    kol_uniques: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Engagement gained in the hour, net (an unlike is -1); written by app.engagement.
    likes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    saves: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    comments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    follows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bought: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flagged_engagements: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
