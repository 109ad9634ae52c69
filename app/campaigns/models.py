"""Campaigns, their targeting and invitations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.licence_terms import LicenceTerms
from app.outcome_terms import OutcomeTerms
from app.search import Searchable


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ContentFormat(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class Cover(NamedTuple):
    file: str
    width: int | None
    height: int | None


class Campaign(Searchable, OutcomeTerms, LicenceTerms, db.Model):
    __tablename__ = "campaigns"
    STATUS_ENTITY = "campaign"
    SEARCH_FIELDS = {"title": "A", "brief": "B"}
    TRANSITIONS = {
        CampaignStatus.DRAFT: {CampaignStatus.OPEN, CampaignStatus.CANCELLED},
        CampaignStatus.OPEN: {CampaignStatus.CLOSED, CampaignStatus.CANCELLED},
        CampaignStatus.CLOSED: {
            CampaignStatus.OPEN,
            CampaignStatus.COMPLETED,
            CampaignStatus.CANCELLED,
        },
    }
    __table_args__ = (
        CheckConstraint("budget > 0", name="budget_positive"),
        # A price of 0 is a commission-only deal: only with outcome terms (a cap to fund).
        CheckConstraint(
            "price_min >= 0 AND price_min <= price_max AND (price_min > 0 OR outcome_cap > 0)",
            name="price_range_or_cap",
        ),
        CheckConstraint("price_max <= budget", name="price_within_budget"),
        CheckConstraint("notes_wanted > 0", name="notes_wanted_positive"),
        CheckConstraint(
            "attribution_days >= 1 AND attribution_days <= 90", name="attribution_days_range"
        ),
        CheckConstraint(
            "committed_amount >= 0 AND committed_amount <= budget", name="committed_within_budget"
        ),
        CheckConstraint(
            "committed_notes >= 0 AND committed_notes <= notes_wanted",
            name="committed_within_notes",
        ),
        Index("ix_campaigns_status_published", "status", "published_at"),
        Index("ix_campaigns_status_deadline", "status", "application_deadline"),
        Index("ix_campaigns_status_price", "status", "price_max"),
        Index("ix_campaigns_fts", "search_vector", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    brief: Mapped[str] = mapped_column(Text)  # Markdown as written; shown through render_markdown
    product_name: Mapped[str] = mapped_column(String(140))
    product_url: Mapped[str] = mapped_column(String(500))
    cover_image: Mapped[str | None] = mapped_column(String(64))
    # The cover's pixels (app/media.py derives each size's); null for covers stored before.
    cover_width: Mapped[int | None] = mapped_column(Integer)
    cover_height: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16), index=True)
    content_format: Mapped[ContentFormat] = mapped_column(enum_column(ContentFormat))
    notes_wanted: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    budget: Mapped[int] = mapped_column(BigInteger)
    price_min: Mapped[int] = mapped_column(BigInteger)
    price_max: Mapped[int] = mapped_column(BigInteger)
    min_followers: Mapped[int] = mapped_column(BigInteger, default=0)
    application_deadline: Mapped[datetime] = mapped_column(TZDateTime())
    delivery_deadline: Mapped[datetime] = mapped_column(TZDateTime())
    required_hashtags: Mapped[str] = mapped_column(String(500), default="")  # space-separated
    required_mentions: Mapped[str] = mapped_column(String(500), default="")
    revision_rounds: Mapped[int] = mapped_column(Integer, default=2)
    review_window_days: Mapped[int] = mapped_column(Integer, default=3)
    keep_live_days: Mapped[int] = mapped_column(Integer, default=30)
    # Orders count for a note when they come within this many days of its click (analytics).
    attribution_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    usage_rights: Mapped[str] = mapped_column(Text, default="")
    # What each contract delivers, in order: "note,note,video" (app/contracts/deliverables.py);
    # empty: one note in the campaign's content format, as before.
    deliverable_kinds: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Invite-only: only the KOLs the brand invited can see the campaign and bid (issue 22).
    invite_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus), default=CampaignStatus.DRAFT
    )
    # Sum of accepted prices and count of accepted bids: changed only under a row lock so that
    # two brand tabs accepting at once can never over-commit the budget or the notes wanted.
    committed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_notes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    targets: Mapped[list[CampaignTarget]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CampaignTarget.id"
    )

    def targets_of(self, kind: str) -> list[str]:
        return [t.value for t in self.targets if t.kind == kind]

    @property
    def cover(self) -> Cover | None:
        """The cover as pages use a stored image (``file``, ``width``, ``height``)."""
        if not self.cover_image:
            return None
        return Cover(self.cover_image, self.cover_width, self.cover_height)

    @property
    def deliverable_plan(self) -> list[str]:
        """The kinds of the deliverables each contract holds (note | video), at least one."""
        kinds = [k for k in (self.deliverable_kinds or "").split(",") if k]
        return kinds or ["video" if self.content_format == "video" else "note"]

    @property
    def hashtags(self) -> list[str]:
        return self.required_hashtags.split()

    @property
    def mentions(self) -> list[str]:
        return self.required_mentions.split()

    @property
    def remaining_budget(self) -> int:
        return self.budget - self.committed_amount

    @property
    def remaining_notes(self) -> int:
        return self.notes_wanted - self.committed_notes


class CampaignTarget(db.Model):
    """One targeting value: kind is niche, tier, region or language."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "value", name="uq_campaign_targets_value"),
        Index("ix_campaign_targets_kind_value", "kind", "value", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(16))


class Invitation(db.Model):
    """A brand asks a KOL to bid on a campaign; the KOL sees it on their dashboard."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "kol_id", name="uq_invitations_kol"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    campaign: Mapped[Campaign] = relationship(lazy="joined")
